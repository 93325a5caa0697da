import CZeroMQ
import Foundation

/// A CURVE key pair, as the 40-character Z85 text libzmq reads and writes.
public struct CurveKeyPair: Sendable, Hashable {
    public var publicKey: String
    public var secretKey: String

    /// A fresh key pair from libzmq (libsodium underneath).
    public static func generate() throws -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw ZMQError("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: Self.text(pub), secretKey: Self.text(sec))
    }

    static func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True if `key` looks like a Z85 CURVE key (40 characters of the Z85 alphabet).
    public static func isValidKey(_ key: String) -> Bool {
        let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")
        return key.count == 40 && key.allSatisfy { alphabet.contains($0) }
    }

    /// Z85 text of 32 raw key bytes (as a ZAP request carries them).
    static func z85(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 32 else { return nil }
        var out = [CChar](repeating: 0, count: 41)
        let ok = bytes.withUnsafeBufferPointer { zmq_z85_encode(&out, $0.baseAddress, 32) != nil }
        return ok ? text(out) : nil
    }
}

extension ZMQSocket {
    /// Makes this (binding) socket a CURVE server with `secretKey`; clients are then checked by the
    /// ZAP handler of the same context (see ``ZAPHandler``).
    public func makeCurveServer(secretKey: String) throws {
        try setOption(ZMQ_CURVE_SERVER, Int32(1))
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(secretKey.utf8) + [0])
        // A ZAP domain makes libzmq consult the handler for every connection.
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array("lrsweep".utf8))
    }

    /// Makes this (connecting) socket a CURVE client of the server with public key `serverKey`.
    public func makeCurveClient(serverKey: String, keys: CurveKeyPair) throws {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(serverKey.utf8) + [0])
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(keys.publicKey.utf8) + [0])
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(keys.secretKey.utf8) + [0])
    }
}
