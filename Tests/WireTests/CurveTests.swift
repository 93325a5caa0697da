import Foundation
import Logging
import Testing
import Wire

@Suite("CURVE and the ZAP allow-list", .serialized)
struct CurveTests {
    /// Connects a DEALER with `client` keys to a CURVE ROUTER that admits `allowed`, sends one message,
    /// and says whether the server received it: it waits for the message, or for the allow-list to
    /// refuse the key (then checks that nothing came through), with 30 s only as a guard against a hang.
    func delivered(allowed: Set<String>, server: CurveKeyPair, client: CurveKeyPair,
                   withHandler: Bool = true) throws -> Bool {
        let context = try ZMQContext()
        let zap = withHandler ? try ZAPHandler(context: context, allowed: allowed, logger: Logger(label: "test")) : nil
        defer { zap?.stop() }
        let router = try ZMQSocket(context: context, type: .router)
        try router.makeCurveServer(secretKey: server.secretKey)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.makeCurveClient(serverKey: server.publicKey, keys: client)
        try dealer.connect(try router.lastEndpoint())
        try dealer.send(MessageCodec.encode(.heartbeat), dontWait: true)
        var got = false
        let deadline = Date().addingTimeInterval(120)  // a guard against a hang only
        while !got && (zap?.refused ?? 0) == 0 && Date() < deadline {
            got = try router.pollIn(milliseconds: 20)
        }
        if !got { got = try router.pollIn(milliseconds: 0) }
        dealer.close()
        router.close()
        return got
    }

    @Test("an allow-listed key gets through, any other key does not")
    func allowList() throws {
        let server = try CurveKeyPair.generate()
        let friend = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        #expect(try delivered(allowed: [friend.publicKey], server: server, client: friend))
        #expect(try !delivered(allowed: [friend.publicKey], server: server, client: stranger))
    }

    @Test("generated keys are 40-character Z85 and distinct")
    func keyShape() throws {
        let a = try CurveKeyPair.generate()
        let b = try CurveKeyPair.generate()
        #expect(CurveKeyPair.isValidKey(a.publicKey) && CurveKeyPair.isValidKey(a.secretKey))
        #expect(a.publicKey != b.publicKey)
        #expect(!CurveKeyPair.isValidKey("short"))
    }

    @Test("key folder: generate, add a worker, read back; secrets are 0600; bad lines name the line")
    func keyFolder() throws {
        let dir = NSTemporaryDirectory() + "lrsweep-keys-\(UUID().uuidString)"
        let folder = KeyFolder(dir)
        try folder.generate()
        let extra = try folder.addWorker("node7")
        let (secret, allowed) = try folder.coordinatorKeys()
        #expect(CurveKeyPair.isValidKey(secret))
        let (serverKey, own) = try folder.workerKeys()
        let (serverKey7, node7) = try KeyFolder(extra).workerKeys()
        #expect(serverKey == serverKey7)
        #expect(allowed == [own.publicKey, node7.publicKey])
        for file in ["coordinator.secret", "worker.secret"] {
            let mode = try FileManager.default.attributesOfItem(atPath: "\(dir)/\(file)")[.posixPermissions]
            #expect((mode as? NSNumber)?.intValue == 0o600)
        }
        #expect(throws: KeyError.self) { try folder.generate() }
        try "# comment\nnot-a-key\n".write(toFile: "\(dir)/allowed_workers", atomically: true, encoding: .utf8)
        #expect {
            try folder.coordinatorKeys()
        } throws: { error in
            String(describing: error).contains("allowed_workers:2")
        }
    }
}
