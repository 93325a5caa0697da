import Foundation
import Hummingbird
import Synchronization

/// Every request passes here first: read-only (GET only, no body), bounded (URL length, a server-wide
/// request rate), authenticated when the server has a token, and answered with headers that keep the
/// pages from loading anything but their own script and style. Errors become small escaped HTML pages.
struct AccessControl<Context: RequestContext>: RouterMiddleware {
    let token: String?
    let limiter: RateLimiter
    static var cookieName: String { "lrsweep_token" }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await check(request, context: context, next: next)
        response.headers[.contentSecurityPolicy] = "default-src 'self'; script-src 'self'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func check(_ request: Request, context: Context,
               next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get else {
            return Self.error(.methodNotAllowed, "This server is read-only: GET requests only.")
        }
        if let length = request.headers[.contentLength], length != "0" {
            return Self.error(.contentTooLarge, "Requests carry no body here.")
        }
        guard request.uri.string.utf8.count <= 4096 else {
            return Self.error(.badRequest, "The request's URL is too long.")
        }
        guard limiter.take() else {
            return Self.error(.tooManyRequests, "Too many requests: slow down.")
        }
        if let token {
            let query = try? QueryItems(request.uri.query)
            if let given = query?["token"] {
                guard Self.same(given, token) else { return Self.unauthorized() }
                // First visit with ?token=: remember it in a cookie and drop it from the address bar.
                let rest = query?.pairs.filter { $0.0 != "token" }
                    .map { "\(QueryItems.encode($0.0))=\(QueryItems.encode($0.1))" } ?? []
                var response = Response(status: .seeOther, headers: [
                    .location: request.uri.path + (rest.isEmpty ? "" : "?" + rest.joined(separator: "&"))])
                response.headers[.setCookie] = "\(Self.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict"
                return response
            }
            let bearer = request.headers[.authorization].flatMap { h -> String? in
                h.hasPrefix("Bearer ") ? String(h.dropFirst(7)) : nil
            }
            let cookie = request.cookies[Self.cookieName]?.value
            guard let presented = bearer ?? cookie, Self.same(presented, token) else { return Self.unauthorized() }
        }
        do {
            return try await next(request, context)
        } catch let e as BadRequest {
            return Self.error(.badRequest, e.message)
        } catch let e as NotFound {
            return Self.error(.notFound, e.message)
        } catch let e as HTTPError {
            return Self.error(e.status, e.status == .notFound ? "No such page." : e.status.reasonPhrase)
        }
    }

    static func unauthorized() -> Response {
        var r = error(.unauthorized, "This dashboard needs its token: open the address it printed (…?token=…) "
            + "or send Authorization: Bearer TOKEN.")
        r.headers[.wwwAuthenticate] = "Bearer"
        return r
    }

    /// Compares without stopping at the first difference, so timing does not reveal a prefix of the token.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = x.count ^ y.count
        for i in 0..<max(x.count, y.count) {
            diff |= Int((i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0))
        }
        return diff == 0
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = HTML.page(title: "\(status.code) \(status.reasonPhrase)",
                             body: "<h1>\(status.code) \(HTML.escape(status.reasonPhrase))</h1>\n"
                                 + "<p>\(HTML.escape(message))</p>\n")
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A 404 with the reason (an unknown sweep, a missing page).
struct NotFound: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// A token bucket for the whole server: `rate` requests a second on average, `burst` at once.
final class RateLimiter: Sendable {
    private let state: Mutex<(tokens: Double, last: Double)>
    let rate: Double, burst: Double

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
        state = Mutex((burst, Self.now()))
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    func take() -> Bool {
        state.withLock { s in
            let t = Self.now()
            s.tokens = min(burst, s.tokens + (t - s.last) * rate)
            s.last = t
            guard s.tokens >= 1 else { return false }
            s.tokens -= 1
            return true
        }
    }
}
