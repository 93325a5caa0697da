/// The parameters of one trial: one value per grid key, plus `seed`.
///
/// Keys are kept sorted wherever the parameters are turned into text, so that the
/// same trial always hashes, prints and stores the same way.
public struct Parameters: Sendable, Hashable, Codable, CustomStringConvertible {
    public var values: [String: ParamValue]

    public init(_ values: [String: ParamValue] = [:]) {
        self.values = values
    }

    public init(from decoder: Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: ParamValue].self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(values)
    }

    public subscript(key: String) -> ParamValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    public var sortedKeys: [String] { values.keys.sorted() }

    public var optimizer: String? { values["optimizer"]?.stringValue }
    public var lr: Double? { values["lr"]?.doubleValue }
    public var dataset: String? { values["dataset"]?.stringValue }
    public var model: String? { values["model"]?.stringValue }
    public var seed: Int? { values["seed"]?.intValue }
    public var schedule: String? { values["schedule"]?.stringValue }

    /// `key=value` pairs in key order, e.g. `dataset=fashion-mnist lr=0.01 model=mlp optimizer=adam seed=1`.
    public var description: String { canonicalText(separator: " ") }

    /// `key=value` pairs in key order joined by `separator`: the text trial ids hash.
    public func canonicalText(separator: String) -> String {
        sortedKeys.compactMap { key in values[key].map { "\(key)=\($0.description)" } }.joined(separator: separator)
    }
}
