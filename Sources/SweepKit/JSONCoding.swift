import Foundation

/// lrsweep's one JSON convention, shared by the wire protocol, the results store, the reports, the
/// controller file and every `--json` output: keys sorted, and the non-finite numbers of a diverged
/// trial written as the strings `"nan"`, `"inf"` and `"-inf"` (plain JSON cannot carry them).
public enum JSONCoding {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                nan: "nan")
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                  nan: "nan")
        return d
    }
}
