import SweepKit
import SweepTesting
import Testing

@Suite("Random and Sobol search: parsing, draws, common random numbers")
struct SearchSpecTests {
    static func parse(_ yaml: String) throws -> SweepSpec {
        try SweepSpec.parse(text: yaml, file: "search.yaml", catalog: Fixtures.catalog)
    }

    /// 3 optimizers × 2 models, `trials` rates drawn for each combination.
    static func spec(method: String = "random", trials: Int = 10, seed: Int = 7,
                     lr: String = "{log_uniform: [1.0e-4, 1.0]}") -> String {
        """
        name: drawn
        search: {method: \(method), trials: \(trials), seed: \(seed)}
        grid:
          optimizer: [sgd, adam, sgd-hd]
          lr: \(lr)
          dataset: mnist
          model: [logreg, mlp]
        seeds: [1, 2]
        """
    }

    static func rates(_ spec: SweepSpec) -> [Double] { spec.configurations().compactMap(\.lr) }

    @Test("search: and a distribution axis parse into the data model")
    func parsesSearch() throws {
        let spec = try Self.parse(Self.spec())
        #expect(spec.search == SearchSpec(method: .random, trials: 10, seed: 7))
        let lr = try #require(spec.grid.first { $0.key == "lr" })
        #expect(lr.distribution == .logUniform(1e-4, 1))
        #expect(lr.values.isEmpty)
        #expect(lr.condition == nil)
        #expect(spec.earlyStopping == nil)
    }

    @Test("without search: the method is grid, with no trials")
    func defaultIsGrid() throws {
        let spec = try Fixtures.tinySpec()
        #expect(spec.search == SearchSpec())
        #expect(spec.search.method == .grid)
    }

    @Test("every list combination is drawn `trials` times; the count matches the expansion",
          arguments: ["random", "sobol"])
    func counts(_ method: String) throws {
        let spec = try Self.parse(Self.spec(method: method, trials: 10))
        #expect(spec.trialCount == 3 * 2 * 10 * 2)
        #expect(spec.trials().count == spec.trialCount)
        #expect(spec.configurations().count == 60)
        #expect(Set(spec.trials().map(\.id)).count == 120)
        #expect(spec.trials().map(\.index) == Array(0..<120))
    }

    @Test("list axes in spec order (first slowest), then the draws, the seed fastest")
    func order() throws {
        let trials = try Self.parse(Self.spec(trials: 3)).trials()
        let rows = trials.prefix(8).map { t in
            "\(t.parameters.optimizer ?? "") \(t.parameters.model ?? "") \(t.parameters.seed ?? 0)"
        }
        #expect(rows == ["sgd logreg 1", "sgd logreg 2", "sgd logreg 1", "sgd logreg 2", "sgd logreg 1", "sgd logreg 2",
                         "sgd mlp 1", "sgd mlp 2"])
        #expect(trials[0].parameters.lr == trials[1].parameters.lr)
        #expect(trials[0].parameters.lr != trials[2].parameters.lr)
        #expect(trials[12].parameters.optimizer == "adam")
    }

    @Test("every list combination gets exactly the same rates in the same order (common random numbers)",
          arguments: ["random", "sobol"])
    func commonRandomNumbers(_ method: String) throws {
        let spec = try Self.parse(Self.spec(method: method, trials: 16))
        var byCombination: [String: [Double]] = [:]
        for c in spec.configurations() {
            byCombination["\(c.optimizer ?? "") \(c.model ?? "")", default: []].append(c.lr ?? 0)
        }
        #expect(byCombination.count == 6)
        let first = try #require(byCombination["sgd logreg"])
        #expect(first.count == 16)
        #expect(Set(first).count == 16)
        for (_, rates) in byCombination { #expect(rates == first) }
    }

    @Test("the draw is a function of the seed: the same seed gives the same trials, another seed others",
          arguments: ["random", "sobol"])
    func deterministic(_ method: String) throws {
        let a = try Self.parse(Self.spec(method: method, seed: 7))
        let b = try Self.parse(Self.spec(method: method, seed: 7))
        let c = try Self.parse(Self.spec(method: method, seed: 8))
        #expect(a.trials() == b.trials())
        #expect(Self.rates(a) == Self.rates(b))
        #expect(Set(Self.rates(a)).isDisjoint(with: Self.rates(c)))
        #expect(Set(a.trials().map(\.id)).isDisjoint(with: c.trials().map(\.id)))
    }

    @Test("random and sobol search draw different rates from the same seed")
    func methodsDiffer() throws {
        let random = try Self.parse(Self.spec(method: "random")), sobol = try Self.parse(Self.spec(method: "sobol"))
        #expect(Self.rates(random) != Self.rates(sobol))
    }

    @Test("log_uniform draws stay in [a, b] and cover the decades evenly", arguments: ["random", "sobol"])
    func logUniformBounds(_ method: String) throws {
        let spec = try Self.parse(Self.spec(method: method, trials: 400, lr: "{log_uniform: [1.0e-4, 1.0e-1]}"))
        let rates = Set(Self.rates(spec))
        #expect(rates.count == 400)
        #expect(rates.allSatisfy { $0 >= 1e-4 && $0 <= 1e-1 })
        // Log-uniform: about a third of the draws in each decade.
        for (low, high) in [(1e-4, 1e-3), (1e-3, 1e-2), (1e-2, 1e-1)] {
            let share = Double(rates.filter { $0 >= low && $0 < high }.count) / 400
            #expect(abs(share - 1.0 / 3) < 0.08, "decade [\(low), \(high)): \(share)")
        }
    }

    @Test("uniform draws stay in [a, b]")
    func uniformBounds() throws {
        let spec = try Self.parse(Self.spec(trials: 300, lr: "{uniform: [0.01, 0.02]}"))
        let rates = Self.rates(spec)
        #expect(rates.allSatisfy { $0 >= 0.01 && $0 <= 0.02 })
        #expect(rates.contains { $0 < 0.0125 } && rates.contains { $0 > 0.0175 })
    }

    @Test("drawn reals have at most 6 significant digits (ids don't depend on the last bit of exp and log)")
    func roundedDraws() throws {
        for rate in Self.rates(try Self.parse(Self.spec(trials: 50))) {
            let mantissa = rate.description.split(separator: "e").first.map(String.init) ?? ""
            #expect(mantissa.filter(\.isNumber).drop { $0 == "0" }.count <= 6, "\(rate)")
        }
    }

    @Test("int_uniform draws integers in [a, b], both ends included", arguments: ["random", "sobol"])
    func intUniform(_ method: String) throws {
        let spec = try Self.parse("""
            name: ints
            search: {method: \(method), trials: 200, seed: 3}
            grid:
              lr: {log_uniform: [1.0e-3, 1.0]}
              layers: {int_uniform: [1, 4]}
            trainer: {command: [./train, "{layers}"]}
            """)
        let layers = spec.configurations().compactMap { $0["layers"] }
        #expect(layers.count == 200)
        #expect(layers.allSatisfy { if case .int = $0 { return true } else { return false } })
        #expect(Set(layers.compactMap(\.intValue)) == [1, 2, 3, 4])
    }

    @Test("an integer option is drawn from int_uniform as integers within its declaration")
    func integerOption() throws {
        let spec = try Self.parse("""
            name: patience
            search: {method: random, trials: 30}
            grid:
              optimizer: sgd
              lr: {log_uniform: [1.0e-3, 1.0]}
              plateau.patience: {int_uniform: [0, 5]}
              dataset: mnist
              model: logreg
            train: {schedule: plateau}
            """)
        let values = spec.configurations().compactMap { $0["plateau.patience"] }
        #expect(values.count == 30)
        #expect(values.allSatisfy { v in v.intValue.map { $0 >= 0 && $0 <= 5 && v == .int($0) } ?? false })
        let task = spec.task(for: try #require(spec.trials().first), attempt: 1)
        #expect(task.train.scheduleOptions["patience"] == values.first)
    }

    @Test("a choice axis draws only its values, and repeated draws collapse into one configuration")
    func choice() throws {
        let spec = try Self.parse("""
            name: choice
            search: {method: random, trials: 40, seed: 1}
            grid:
              optimizer: {choice: [sgd, adam]}
              lr: [0.1, 0.01]
              dataset: mnist
              model: logreg
            """)
        let configurations = spec.configurations()
        #expect(Set(configurations.compactMap(\.optimizer)) == ["sgd", "adam"])
        // Only 2 × 2 distinct configurations exist: the other draws repeat them and are left out.
        #expect(configurations.count == 4)
        #expect(spec.trialCount == 4)
        #expect(Set(spec.trials().map(\.id)).count == 4)
    }

    @Test("a drawn choice of optimizer decides its option axes after the draw")
    func conditionOnChoice() throws {
        let spec = try Self.parse("""
            name: choice
            search: {method: random, trials: 30, seed: 2}
            grid:
              sgd-hd.hyper_lr: [1.0e-4, 1.0e-3]
              optimizer: {choice: [sgd, sgd-hd]}
              lr: {log_uniform: [1.0e-3, 1.0]}
              dataset: mnist
              model: logreg
            """)
        let configurations = spec.configurations()
        let hd = configurations.filter { $0.optimizer == "sgd-hd" }
        let sgd = configurations.filter { $0.optimizer == "sgd" }
        #expect(!hd.isEmpty && !sgd.isEmpty)
        #expect(hd.count + sgd.count == configurations.count)
        #expect(hd.count % 2 == 0)
        #expect(hd.allSatisfy { $0["sgd-hd.hyper_lr"] != nil })
        #expect(sgd.allSatisfy { $0["sgd-hd.hyper_lr"] == nil })
        #expect(spec.trialCount == spec.trials().count)
    }

    @Test("adding a distribution axis leaves the random draws of the others as they were")
    func independentStreams() throws {
        let one = try Self.parse(Self.spec(trials: 8))
        let two = try Self.parse("""
            name: drawn
            search: {method: random, trials: 8, seed: 7}
            grid:
              optimizer: [sgd, adam, sgd-hd]
              lr: {log_uniform: [1.0e-4, 1.0]}
              adam.beta1: {uniform: [0.8, 0.95]}
              dataset: mnist
              model: [logreg, mlp]
            seeds: [1, 2]
            """)
        #expect(Self.rates(one) == Self.rates(two))
    }

    @Test("the shipped random-lr spec: 3 optimizers × 12 drawn rates × 2 seeds, the same rates for each optimizer")
    func randomLRSpec() throws {
        let spec = try SweepSpec.load(path: Fixtures.repositoryPath("sweeps/random-lr.yaml"), catalog: Fixtures.catalog)
        #expect(spec.search == SearchSpec(method: .random, trials: 12, seed: 7))
        #expect(spec.trialCount == 72)
        #expect(spec.trials().count == 72)
        let rates = Dictionary(grouping: spec.configurations(), by: { $0.optimizer ?? "" })
            .mapValues { $0.compactMap(\.lr) }
        #expect(rates.keys.sorted() == ["adam", "sgd", "sgd-hd"])
        #expect(rates["sgd"] == rates["adam"] && rates["adam"] == rates["sgd-hd"])
        #expect(rates["sgd"]?.allSatisfy { $0 >= 1e-4 && $0 <= 1 } == true)
        #expect((spec.train.steps ?? .max) <= 200)
    }
}

@Suite("The Sobol sequence")
struct SobolSequenceTests {
    @Test("the first 8 points in 2-D are Joe and Kuo's (and SciPy's unscrambled ones)")
    func knownPoints() {
        let sobol = SobolSequence(dimensions: 2)
        let points = (0..<8).map { sobol.point(UInt32($0)) }
        #expect(points == [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75],
                           [0.375, 0.375], [0.875, 0.875], [0.625, 0.125], [0.125, 0.625]])
    }

    @Test("in every dimension, the first 2^k points are exactly the multiples of 2^-k", arguments: [1, 4, 6, 10])
    func oneDimensionalNets(_ k: Int) {
        let sobol = SobolSequence(dimensions: SobolSequence.maxDimensions)
        let n = 1 << k
        let points = (0..<n).map { sobol.point(UInt32($0)) }
        let expected = Set((0..<n).map { Double($0) / Double(n) })
        for d in 0..<SobolSequence.maxDimensions {
            #expect(Set(points.map { $0[d] }) == expected, "dimension \(d + 1)")
        }
    }

    @Test("16 points in 2-D put exactly one point in each cell of a 4 × 4 grid, 256 in each of a 16 × 16")
    func stratification() {
        let sobol = SobolSequence(dimensions: 2)
        for (n, cells) in [(16, 4), (256, 16)] {
            var counts: [Int: Int] = [:]
            for i in 0..<n {
                let p = sobol.point(UInt32(i))
                counts[Int(p[0] * Double(cells)) * cells + Int(p[1] * Double(cells)), default: 0] += 1
            }
            #expect(counts.count == cells * cells)
            #expect(counts.values.allSatisfy { $0 == 1 })
        }
    }

    @Test("a digital shift keeps the points in [0, 1) and keeps the stratification")
    func shifted() {
        let sobol = SobolSequence(dimensions: 3)
        let shift: [UInt32] = [0x9E37_79B9, 0x1234_5678, 0xFFFF_FFFF]
        let points = (0..<64).map { sobol.point(UInt32($0), shift: shift) }
        #expect(points.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 < 1 } })
        for d in 0..<3 {
            #expect(Set(points.map { Int($0[d] * 64) }).count == 64)
        }
        #expect(points != (0..<64).map { sobol.point(UInt32($0)) })
    }

    @Test("points are random-access: the same index gives the same point")
    func randomAccess() {
        let sobol = SobolSequence(dimensions: 5)
        #expect(sobol.integerPoint(1000) == SobolSequence(dimensions: 5).integerPoint(1000))
        #expect(sobol.integerPoint(1000) != sobol.integerPoint(1001))
    }
}
