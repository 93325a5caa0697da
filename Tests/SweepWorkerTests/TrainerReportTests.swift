import SweepKit
import Testing
@testable import SweepWorker

@Suite("Metrics protocol: JSON lines on a trainer's stdout")
struct TrainerReportTests {
    @Test("every numeric member but step becomes a point at that step")
    func pointsPerNumericMember() {
        var report = TrainerReport()
        let points = report.consume(#"{"step": 120, "val_loss": 0.41, "lr": 0.003, "phase": "eval", "ok": true}"#)
        #expect(points == [MetricPoint(step: 120, name: "lr", value: 0.003),
                           MetricPoint(step: 120, name: "val_loss", value: 0.41)])
        #expect(report.finalMetrics == ["val_loss": 0.41, "lr": 0.003])
    }

    @Test("the final line holds the final metrics even if other lines follow")
    func finalLineWins() {
        var report = TrainerReport()
        _ = report.consume(#"{"step": 1, "val_loss": 0.9}"#)
        #expect(report.consume(#"{"final": true, "val_loss": 0.5, "test_accuracy": 0.8}"#) == [])
        _ = report.consume(#"{"step": 2, "val_loss": 0.7}"#)
        #expect(report.finalMetrics == ["val_loss": 0.5, "test_accuracy": 0.8])
    }

    @Test("without a final line the last object holds the final metrics")
    func lastObjectFallback() {
        var report = TrainerReport()
        _ = report.consume(#"{"step": 1, "val_loss": 0.9}"#)
        _ = report.consume(#"{"step": 2, "val_loss": 0.6, "final": false}"#)
        #expect(report.finalMetrics == ["val_loss": 0.6])
    }

    @Test("a final line with a step is also a point of the curves")
    func finalWithStep() {
        var report = TrainerReport()
        #expect(report.consume(#"{"final": true, "step": 50, "val_loss": 0.3}"#)
                == [MetricPoint(step: 50, name: "val_loss", value: 0.3)])
    }

    @Test("a line without a step takes its position among the metric lines")
    func missingStep() {
        var report = TrainerReport()
        _ = report.consume(#"{"val_loss": 0.9}"#)
        #expect(report.consume(#"{"val_loss": 0.8}"#) == [MetricPoint(step: 1, name: "val_loss", value: 0.8)])
    }

    @Test("garbage, half-written objects and non-objects are not metric lines",
          arguments: ["Epoch 1/3", "", "   ", #"{"step": 5, "val_lo"#, #"{"step": 5, "val_loss": 0.4"#, "{{{",
                      "[1, 2]", "42", #""text""#, #"{"step": 1} trailing"#, #"{"a": 1,}"#, "{'a': 1}",
                      "\u{0}\u{FFFD}"])
    func notMetricLines(line: String) {
        var report = TrainerReport()
        #expect(report.consume(line) == nil)
        #expect(report.metricLines == 0)
    }

    @Test("NaN and infinities, bare as Python prints them or as strings, are values",
          arguments: [#"{"final": true, "val_loss": NaN}"#, #"{"final": true, "val_loss": Infinity}"#,
                      #"{"final": true, "val_loss": -Infinity}"#, #"{"final": true, "val_loss": "nan"}"#,
                      #"{"final": true, "val_loss": "inf"}"#])
    func nonFinite(line: String) {
        var report = TrainerReport()
        #expect(report.consume(line) != nil)
        #expect(report.finalMetrics["val_loss"].map { !$0.isFinite } == true)
    }

    @Test("JSON values parse by RFC 8259, with nesting, escapes and exponents")
    func jsonParsing() {
        #expect(JSONValue.parse(#" {"a": [1, -2.5e-3, {"b": null}], "s": "x\"y\u00e9\ud83d\ude00"} "#)
                == .object([(key: "a", value: .array([.number(1), .number(-0.0025),
                                                      .object([(key: "b", value: .null)])])),
                            (key: "s", value: .string("x\"yé😀"))]))
        #expect(JSONValue.parse("01") == nil)
        #expect(JSONValue.parse("1.") == nil)
        #expect(JSONValue.parse("-") == nil)
        #expect(JSONValue.parse("\"unterminated") == nil)
        #expect(JSONValue.parse(String(repeating: "[", count: 10_000)) == nil)
    }
}
