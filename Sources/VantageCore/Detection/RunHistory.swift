/// The last `capacity` samples of one per-entity series, run-length encoded.
///
/// A detector keeps a 24 h history for every entity that ever appeared (~250 countries, ~50k ASes,
/// ~500k prefixes); almost all of those series are flat for hours (a prefix is visible or not, an AS
/// keeps its space), so a ring of runs holds one inline run and no heap storage for them, and only
/// entities that actually change pay for their changes. Pushing is O(1); median and maximum are
/// O(runs log runs) and O(runs), at most `capacity`.
struct RunHistory: Sendable {
    private struct Run: Sendable {
        var value: Double
        var count: Int32
    }

    /// Completed runs, oldest first, starting at `head` (the prefix before `head` is dead storage).
    private var older: [Run] = []
    private var head: Int32 = 0
    /// The run being extended (the newest samples).
    private var lastValue: Double = 0
    private var lastCount: Int32 = 0
    /// Samples held, at most the capacity passed to `push`.
    private(set) var count: Int32 = 0

    init() {}

    /// Appends a sample and drops the oldest ones beyond `capacity`.
    mutating func push(_ value: Double, capacity: Int) {
        if lastCount > 0, value == lastValue {
            lastCount += 1
        } else {
            if lastCount > 0 { older.append(Run(value: lastValue, count: lastCount)) }
            lastValue = value
            lastCount = 1
        }
        count += 1
        let cap = Int32(clamping: max(1, capacity))
        while count > cap {
            if Int(head) < older.count {
                older[Int(head)].count -= 1
                if older[Int(head)].count == 0 { head += 1 }
            } else {
                lastCount -= 1
            }
            count -= 1
        }
        if Int(head) == older.count, head > 0 {
            older = []
            head = 0
        } else if head >= 32, Int(head) * 2 >= older.count {
            older.removeFirst(Int(head))
            head = 0
        }
    }

    /// Largest sample, nil when empty.
    func maximum() -> Double? {
        guard count > 0 else { return nil }
        var m = lastValue
        for i in Int(head)..<older.count where older[i].value > m { m = older[i].value }
        return m
    }

    /// Median of the samples (mean of the two middle ones for an even count), nil when empty.
    func median() -> Double? {
        guard count > 0 else { return nil }
        if Int(head) == older.count { return lastValue }
        var runs = Array(older[Int(head)...])
        runs.append(Run(value: lastValue, count: lastCount))
        runs.sort { $0.value < $1.value }
        let n = Int(count)
        let lowRank = (n - 1) / 2, highRank = n / 2
        var low: Double?
        var seen = 0
        for r in runs {
            seen += Int(r.count)
            if low == nil, seen > lowRank { low = r.value }
            if seen > highRank { return (low! + r.value) / 2 }
        }
        return low
    }
}
