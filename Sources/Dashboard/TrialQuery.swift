import Foundation
import SweepKit

/// The trial table's state, all in the URL (so a reload or a shared link shows the same table): sort
/// column and direction, filters, page, and the trial whose curves are open.
struct TrialQuery: Sendable, Hashable {
    enum Sort: String, CaseIterable, Sendable {
        case index, status, optimizer, lr, metric, seconds
    }

    var sort = Sort.index
    var descending = false
    var status: TrialStatus?
    var optimizer: String?
    var lr: Double?
    var metricMin: Double?
    var metricMax: Double?
    /// 1-based.
    var page = 1
    var trial: String?

    static let pageSize = 50

    /// Parses the query items of a request; a value that is not understood is a 400 with the reason.
    init(_ items: QueryItems) throws {
        if let s = items["sort"] {
            guard let sort = Sort(rawValue: s) else {
                throw BadRequest("sort must be one of \(Sort.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.sort = sort
        }
        if let d = items["dir"] {
            guard d == "asc" || d == "desc" else { throw BadRequest("dir must be asc or desc") }
            descending = d == "desc"
        }
        if let s = items["status"], !s.isEmpty {
            guard let status = TrialStatus(rawValue: s) else { throw BadRequest("unknown status '\(s)'") }
            self.status = status
        }
        if let o = items["optimizer"], !o.isEmpty {
            guard o.count <= 100 else { throw BadRequest("optimizer filter too long") }
            optimizer = o
        }
        lr = try Self.number(items, "lr")
        metricMin = try Self.number(items, "metric_min")
        metricMax = try Self.number(items, "metric_max")
        if let p = items["page"] {
            guard let page = Int(p), page >= 1, page <= 1_000_000 else { throw BadRequest("page must be 1 or more") }
            self.page = page
        }
        if let t = items["trial"], !t.isEmpty {
            guard Self.isTrialID(t) else { throw BadRequest("malformed trial id") }
            trial = t
        }
    }

    init() {}

    static func number(_ items: QueryItems, _ key: String) throws -> Double? {
        guard let text = items[key], !text.isEmpty else { return nil }
        guard let x = Double(text), x.isFinite else { throw BadRequest("\(key) must be a finite number") }
        return x
    }

    /// Trial ids are hex digests; anything else never names a trial (nor a log file).
    static func isTrialID(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64
            && s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII }
    }

    /// The query string of this state with `changes` applied (`page` resets unless changed explicitly).
    func link(_ changes: [String: String?] = [:]) -> String {
        var items: [(String, String)] = []
        func put(_ k: String, _ v: String?) {
            if let change = changes[k] {
                if let change { items.append((k, change)) }
            } else if let v {
                items.append((k, v))
            }
        }
        put("sort", sort == .index ? nil : sort.rawValue)
        put("dir", descending ? "desc" : nil)
        put("status", status?.rawValue)
        put("optimizer", optimizer)
        put("lr", lr.map { "\($0)" })
        put("metric_min", metricMin.map { "\($0)" })
        put("metric_max", metricMax.map { "\($0)" })
        put("page", page == 1 ? nil : String(page))
        put("trial", trial)
        return items.isEmpty ? "" : "?" + items.map { "\($0)=\(QueryItems.encode($1))" }.joined(separator: "&")
    }
}

/// A 400: the request was understood as malformed; the message says what.
struct BadRequest: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// A request's query string, decoded as browsers encode forms (`+` is a space, `%XX` a byte of UTF-8).
struct QueryItems: Sendable {
    private(set) var pairs: [(String, String)] = []

    init(_ query: String?) throws {
        guard let query, !query.isEmpty else { return }
        guard query.utf8.count <= 4096 else { throw BadRequest("query string too long") }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) throws -> String {
                guard let text = s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw BadRequest("malformed percent-encoding in the query string")
                }
                return text
            }
            pairs.append((try decode(kv[0]), kv.count > 1 ? try decode(kv[1]) : ""))
        }
        guard pairs.count <= 64 else { throw BadRequest("too many query parameters") }
    }

    subscript(key: String) -> String? { pairs.first { $0.0 == key }?.1 }
    func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }

    /// Percent-encodes a query value (everything but unreserved characters).
    static func encode(_ s: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
