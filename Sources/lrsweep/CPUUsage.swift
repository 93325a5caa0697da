import Foundation

/// CPU seconds of this process and of its reaped children (the workers and, through them, their trainers).
enum CPUUsage {
    static func now() -> Double {
        func seconds(_ who: Int32) -> Double {
            var u = rusage()
            getrusage(__rusage_who_t(who), &u)
            return [u.ru_utime, u.ru_stime].reduce(0) { $0 + Double($1.tv_sec) + Double($1.tv_usec) / 1e6 }
        }
        return seconds(RUSAGE_SELF.rawValue) + seconds(RUSAGE_CHILDREN.rawValue)
    }
}
