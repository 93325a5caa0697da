import Foundation
import Testing
@testable import Reports

@Suite("CSV, JSON, Markdown and writeAll")
struct ExportTests {
    func lines(_ csv: String) -> [String] { csv.split(separator: "\n").map(String.init) }

    @Test("results.csv: a header and one row per trial")
    func trialsCSV() throws {
        let csv = lines(CSVReport.trials(try StoreFixture.report()))
        #expect(csv.count == 1 + 21)
        #expect(csv[0] == "id,status,attempts,seconds,dataset,model,optimizer,lr,seed,"
                    + "train_loss,val_accuracy,val_loss,reason,stopped_step")
        // lr 1.0 is stored as the JSON number 1, which reads back as the integer parameter 1.
        #expect(csv[1] == "t0,diverged,1,3.0,fashion-mnist,logreg,sgd,1,1,nan,,,loss became nan at step 3,")
        #expect(csv.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 14 })
    }

    @Test("aggregates.csv: a header and one row per configuration")
    func aggregatesCSV() throws {
        let csv = lines(CSVReport.aggregates(try StoreFixture.report()))
        #expect(csv.count == 1 + 7)
        #expect(csv[0].hasPrefix("dataset,model,optimizer,variant,lr,metric,seeds,n,mean,std,ci_low,ci_high"))
        #expect(csv[3].hasPrefix("fashion-mnist,logreg,sgd,,1.0,val_loss,3,0,nan,0.0,,,3,0,0,"))
    }

    @Test("CSV fields with commas and quotes are quoted")
    func quoting() {
        #expect(CSVReport.field("a,b") == "\"a,b\"")
        #expect(CSVReport.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVReport.field("plain") == "plain")
    }

    @Test("results.json decodes back into the report, NaN and ∞ included")
    func jsonRoundTrip() throws {
        let report = try StoreFixture.report()
        let json = try JSONReport.render(report)
        let back = try JSONReport.decode(json)
        #expect(back.sweep == report.sweep)
        #expect(back.trials.map(\.id) == report.trials.map(\.id))
        #expect(back.trials.map(\.status) == report.trials.map(\.status))
        #expect(back.trials[0].metrics["train_loss"]?.isNaN == true)
        #expect(back.trials[3].curve["val_loss"] == [[10, 0.8], [20, 0.6], [30, 0.5]])
        #expect(back.ranking.map { $0.entries.map(\.aggregate.optimizer) } == [["adam", "sgd-hd", "sgd"]])
        #expect(back.sensitivity.first?.gap == .infinity)
        #expect(back.aggregates.first { $0.lr == 1.0 }?.mean.isNaN == true)
        #expect(back.timeToTarget == report.timeToTarget)
        #expect(back.wins == report.wins)
        // The contract's top-level keys and trial keys.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(["sweep", "trials", "aggregates", "ranking"]).isSubset(of: Set(object.keys)))
        let trial = try #require((object["trials"] as? [[String: Any]])?.first)
        #expect(Set(["id", "parameters", "status", "attempts", "metrics", "curve"]).isSubset(of: Set(trial.keys)))
    }

    @Test("Markdown: the ranked table first, marks for diverged and not-significant entries, the methods")
    func markdown() throws {
        let md = MarkdownReport.render(try StoreFixture.report())
        let rankingRange = try #require(md.range(of: "1 | adam      |    0.01 |"))
        let sensitivityRange = try #require(md.range(of: "## LR sensitivity"))
        #expect(rankingRange.lowerBound < sensitivityRange.lowerBound)
        #expect(md.contains("21 trials: 16 done, 1 failed, 4 diverged."))
        #expect(md.contains("≈ p = 0.561"))      // sgd-hd vs adam (scipy: 0.5611508812400852)
        #expect(md.contains("p = 0.032"))        // sgd vs adam (scipy: 0.0315776404625473)
        #expect(md.contains("adam †"))           // in the full table: adam at lr 0.1
        #expect(md.contains("2/3 (1 diverged)"))
        #expect(md.contains("2/3 (1 failed)"))
        #expect(md.contains("Welch's unequal-variances t-test"))
        #expect(md.contains("at most 3 seeds"))
    }

    @Test("writeAll writes every format and returns the Markdown")
    func writeAll() throws {
        let dir = try StoreFixture.makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try ReportData.load(path: dir + "/results.sqlite", metric: nil)
        let markdown = try ReportWriter.writeAll(data, to: dir)
        for file in ["report.md", "report.html", "results.csv", "aggregates.csv", "results.json"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file) missing")
        }
        #expect(try String(contentsOfFile: dir + "/report.md", encoding: .utf8) == markdown)
        let json = try String(contentsOfFile: dir + "/results.json", encoding: .utf8)
        #expect(try JSONReport.decode(json).trials.count == 21)
    }
}

@Suite("Ranking by another metric")
struct OtherMetricTests {
    @Test("ranked by val_accuracy: highest first, and no duplicate accuracy column")
    func accuracy() throws {
        let report = Report(try StoreFixture.load(metric: "val_accuracy"))
        // Every finished seed has val_accuracy 0.8, so all means tie at 0.8 and sweep order decides.
        #expect(report.ranking.first?.entries.count == 3)
        let md = MarkdownReport.render(report)
        #expect(md.contains("higher is better"))
        #expect(!md.contains("| val_accuracy |"))
        #expect(md.contains("val_accuracy mean ± sd"))
    }
}
