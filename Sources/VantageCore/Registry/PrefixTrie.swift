import BGPWire

/// A path-compressed binary (Patricia) trie from IP prefixes to values, for longest-prefix match.
///
/// IPv4 and IPv6 prefixes live under separate roots; a prefix is always stored ``IPPrefix/masked``
/// (bits past the length are ignored), and lengths past the family maximum are clamped to it.
/// Nodes are kept in one array and linked by `Int32` indices; a node either holds a value or is a
/// "glue" node with exactly two children, so there are at most `2 * count` nodes. Values live in a
/// separate dense array, so the node walks are non-generic code. Once the trie has a few thousand
/// nodes, a table indexed by the first 16 address bits lets lookups and insertions of prefixes of
/// length 16 or more skip the top of the tree. The walks are bound by memory latency: in release, 1M
/// random IPv4 insertions take about 0.25-0.45 s of CPU and 1M random address lookups 0.15-0.3 s
/// (IPv6 /19-/64 in 2000::/3: 0.6 s and 0.5 s). Every operation is O(prefix length);
/// iteration yields IPv4 before IPv6, each in `IPPrefix` order (address, then length).
public struct PrefixTrie<Value>: Sequence {
    // The hot paths are @inlinable so that clients get them specialized for their Value type.
    @usableFromInline var core = PrefixTrieCore()
    @usableFromInline var values: [Value] = []
    /// The node holding each value (same index as `values`).
    @usableFromInline var owners: [Int32] = []

    public typealias Element = (prefix: IPPrefix, value: Value)

    @inlinable public init() {}

    /// The number of stored prefixes.
    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }
    /// The number of nodes in use (stored prefixes plus glue nodes), for memory estimates.
    public var nodeCount: Int { core.nodes.count - core.free.count }

    /// Stores `value` at `prefix`, replacing any value already there.
    @inlinable public mutating func insert(_ prefix: IPPrefix, _ value: Value) {
        insert(prefix, value) { _, new in new }
    }

    /// Stores `value` at `prefix`; when a value is already there, stores `combine(old, value)` instead.
    @inlinable
    public mutating func insert(_ prefix: IPPrefix, _ value: Value, uniquingWith combine: (Value, Value) -> Value) {
        let (node, existing) = core.insert(prefix, slot: Int32(values.count))
        if existing >= 0 {
            values[Int(existing)] = combine(values[Int(existing)], value)
        } else {
            values.append(value)
            owners.append(node)
        }
    }

    /// The value stored at exactly `prefix`. Setting nil removes it.
    @inlinable public subscript(prefix: IPPrefix) -> Value? {
        get { value(at: prefix) }
        set {
            if let newValue { insert(prefix, newValue) } else { remove(prefix) }
        }
    }

    /// The value stored at exactly `prefix` (not a covering one).
    @inlinable public func value(at prefix: IPPrefix) -> Value? {
        let slot = core.slot(at: prefix)
        return slot < 0 ? nil : values[Int(slot)]
    }

    /// The most specific stored prefix containing `address`.
    @inlinable public func longestMatch(_ address: IPAddress) -> Element? {
        entry(core.longest(address))
    }

    /// The most specific stored prefix covering the whole of `prefix` (`prefix` itself if stored).
    @inlinable public func longestMatch(_ prefix: IPPrefix) -> Element? {
        entry(core.longest(prefix))
    }

    /// Every stored prefix inside `prefix` (`prefix` itself included), in iteration order.
    public func covered(by prefix: IPPrefix) -> [Element] {
        let k = PrefixTrieCore.Key(prefix)
        var out: [Element] = []
        core.forEach(from: core.locate(k).top, family: k.family) { out.append(entry($0)!) }
        return out
    }

    /// Splits `prefix` by its most specific covering stored prefix: each address of `prefix` is counted
    /// for the longest stored prefix containing it (nil when none does). Sizes are in units of a prefix
    /// of length `unitLength` (default: the family's full length, i.e. addresses; pass 48 to count IPv6
    /// /48s), so a part smaller than a unit is a fraction. One element per distinct match, largest
    /// first; the sizes add up to the size of `prefix` (exactly while the sizes involved are within a
    /// factor 2^53 of each other, e.g. IPv6 delegations of /12 to /64 counted in /48s).
    public func coverage(of prefix: IPPrefix, unitLength: Int? = nil) -> [(match: Element?, size: Double)] {
        let k = PrefixTrieCore.Key(prefix)
        let unit = unitLength ?? (k.family == 0 ? 32 : 128)
        return core.coverage(k, unit: unit)
            .map { (match: entry($0.node), size: $0.size) }
            .sorted { $0.size > $1.size }
    }

    /// Removes the value stored at exactly `prefix`, returning it.
    @discardableResult
    public mutating func remove(_ prefix: IPPrefix) -> Value? {
        let slot = Int(core.remove(PrefixTrieCore.Key(prefix)))
        guard slot >= 0 else { return nil }
        let last = values.count - 1
        if slot != last {
            values.swapAt(slot, last)
            owners[slot] = owners[last]
            core.nodes[Int(owners[slot])].slot = Int32(slot)
        }
        owners.removeLast()
        return values.removeLast()
    }

    public mutating func removeAll() { self = PrefixTrie() }

    @inlinable func entry(_ node: Int32) -> Element? {
        guard node >= 0 else { return nil }
        return (core.prefix(of: node), values[Int(core.slot(of: node))])
    }

    /// Pre-order walk: IPv4 then IPv6; within a family a prefix precedes the prefixes inside it.
    public struct Iterator: IteratorProtocol {
        let trie: PrefixTrie
        var stack: [Int32]
        var family = 0

        public mutating func next() -> Element? {
            while true {
                guard let n = stack.popLast() else {
                    guard family == 0 else { return nil }
                    family = 1
                    if trie.core.roots[1] >= 0 { stack.append(trie.core.roots[1]) }
                    continue
                }
                let node = trie.core.nodes[Int(n)]
                if node.child1 >= 0 { stack.append(node.child1) }
                if node.child0 >= 0 { stack.append(node.child0) }
                if node.slot >= 0 { return trie.entry(n) }
            }
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(trie: self, stack: core.roots[0] >= 0 ? [core.roots[0]] : [])
    }

    public var underestimatedCount: Int { count }
}

extension PrefixTrie: Sendable where Value: Sendable {}

/// The non-generic node store behind ``PrefixTrie``. Keys are 128-bit, left-aligned: an IPv4 address
/// occupies the top 32 bits of `hi`.
@usableFromInline
struct PrefixTrieCore: Sendable {
    struct Node: Sendable {
        var hi: UInt64
        var lo: UInt64
        var child0: Int32 = -1
        var child1: Int32 = -1
        /// Index into the values array, or -1 for a glue node.
        var slot: Int32 = -1
        var length: UInt8
        /// 0 for IPv4, 1 for IPv6.
        var family: UInt8

        func child(_ bit: Int) -> Int32 { bit == 0 ? child0 : child1 }
        mutating func setChild(_ bit: Int, _ n: Int32) {
            if bit == 0 { child0 = n } else { child1 = n }
        }
    }

    struct Key {
        var hi: UInt64
        var lo: UInt64
        var length: Int
        /// 0 for IPv4, 1 for IPv6.
        var family: Int

        init(hi: UInt64, lo: UInt64, length: Int, family: Int) {
            let l = UInt64(length)
            self.hi = l == 0 ? 0 : l >= 64 ? hi : hi & ~UInt64(0) << (64 - l)
            self.lo = l <= 64 ? 0 : l >= 128 ? lo : lo & ~UInt64(0) << (128 - l)
            self.length = length
            self.family = family
        }

        init(_ p: IPPrefix) {
            switch p.address {
            case .v4(let a): self.init(hi: UInt64(a.value) << 32, lo: 0, length: min(Int(p.length), 32), family: 0)
            case .v6(let a): self.init(hi: a.high, lo: a.low, length: min(Int(p.length), 128), family: 1)
            }
        }

        func bit(_ i: Int) -> Int { PrefixTrieCore.bit(hi, lo, i) }
    }

    var nodes: [Node] = []
    var roots: [Int32] = [-1, -1]
    var free: [Int32] = []
    /// Empty, or for each family and value of the first 16 bits (`family << 16 | bits`), the state of a
    /// walk for a key of length >= 16 after the nodes shorter than 16 bits: the last of them on the
    /// path (-1: the root) and the last valued one (-1: none). Kept up to date when a node shorter
    /// than 16 bits is added, removed or gains or loses its value.
    var buckets: [Bucket] = []
    struct Bucket: Sendable {
        var parent: Int32
        var best: Int32
    }
    static let bucketBits = 16
    static let bucketThreshold = 4096

    @inline(__always) static func bit(_ hi: UInt64, _ lo: UInt64, _ i: Int) -> Int {
        Int(truncatingIfNeeded: i < 64 ? hi >> UInt64(63 - i) & 1 : lo >> UInt64(127 - i) & 1)
    }

    /// The number of leading bits that `k` and node `n` have in common (128 when equal).
    @inline(__always) static func common(_ k: Key, _ n: Node) -> Int {
        let x = k.hi ^ n.hi
        if x != 0 { return x.leadingZeroBitCount }
        let y = k.lo ^ n.lo
        return y != 0 ? 64 + y.leadingZeroBitCount : 128
    }

    @usableFromInline init() {}

    // Entry points for PrefixTrie's inlinable code.
    @usableFromInline mutating func insert(_ p: IPPrefix, slot: Int32) -> (node: Int32, existing: Int32) {
        insert(Key(p), slot: slot)
    }
    @usableFromInline func slot(at p: IPPrefix) -> Int32 {
        let n = find(Key(p))
        return n < 0 ? -1 : nodes[Int(n)].slot
    }
    @usableFromInline func longest(_ p: IPPrefix) -> Int32 { longest(Key(p)) }
    @usableFromInline func longest(_ a: IPAddress) -> Int32 {
        switch a {
        case .v4(let v4): longest(Key(hi: UInt64(v4.value) << 32, lo: 0, length: 32, family: 0))
        case .v6(let v6): longest(Key(hi: v6.high, lo: v6.low, length: 128, family: 1))
        }
    }
    @usableFromInline func slot(of node: Int32) -> Int32 { nodes[Int(node)].slot }
    @usableFromInline func prefix(of node: Int32) -> IPPrefix { prefix(of: nodes[Int(node)]) }

    func prefix(of n: Node) -> IPPrefix {
        n.family == 0
            ? IPPrefix(.v4(IPv4Address(UInt32(truncatingIfNeeded: n.hi >> 32))), n.length)
            : IPPrefix(.v6(IPv6Address(high: n.hi, low: n.lo)), n.length)
    }

    private mutating func alloc(_ hi: UInt64, _ lo: UInt64, _ length: Int, _ family: Int, slot: Int32 = -1) -> Int32 {
        let node = Node(hi: hi, lo: lo, slot: slot, length: UInt8(length), family: UInt8(family))
        if let i = free.popLast() {
            nodes[Int(i)] = node
            return i
        }
        nodes.append(node)
        if nodes.count == Self.bucketThreshold { buildBuckets() }
        return Int32(nodes.count - 1)
    }

    private mutating func link(_ family: Int, _ parent: Int32, _ bit: Int, _ n: Int32) {
        if parent < 0 { roots[family] = n } else { nodes[Int(parent)].setChild(bit, n) }
    }

    /// Where a walk for `k` may start: (parent, direction, node, best valued node so far).
    @inline(__always) func start(_ k: Key) -> (parent: Int32, dir: Int, cur: Int32, best: Int32) {
        guard k.length >= Self.bucketBits, !buckets.isEmpty else { return (-1, 0, roots[k.family], -1) }
        let e = buckets[k.family << Self.bucketBits | Int(k.hi >> UInt64(64 - Self.bucketBits))]
        guard e.parent >= 0 else { return (-1, 0, roots[k.family], e.best) }
        let dir = k.bit(Int(nodes[Int(e.parent)].length))
        return (e.parent, dir, nodes[Int(e.parent)].child(dir), e.best)
    }

    private mutating func buildBuckets() {
        buckets = Array(repeating: Bucket(parent: -1, best: -1), count: 2 << Self.bucketBits)
        for family in 0..<2 { refreshBuckets(Key(hi: 0, lo: 0, length: 0, family: family)) }
    }

    /// Recomputes the bucket entries inside `k` after a change to a node of length `k.length` < 16:
    /// walks to `k`, then splits its range of buckets by the nodes below (each bucket written once).
    private mutating func refreshBuckets(_ k: Key) {
        guard !buckets.isEmpty, k.length < Self.bucketBits else { return }
        var parent: Int32 = -1
        var best: Int32 = -1
        var cur = roots[k.family]
        while cur >= 0 {
            let n = nodes[Int(cur)]
            if Int(n.length) >= k.length || Self.common(k, n) < Int(n.length) { break }
            if n.slot >= 0 { best = cur }
            parent = cur
            cur = n.child(k.bit(Int(n.length)))
        }
        fill(k, cur, Bucket(parent: parent, best: best))
    }

    /// Sets the buckets inside `p` (length <= 16), whose walks all reach `cur` in state `state`.
    private mutating func fill(_ p: Key, _ cur: Int32, _ state: Bucket) {
        let n = cur >= 0 ? nodes[Int(cur)] : nil
        guard let n, Int(n.length) < Self.bucketBits, Self.common(p, n) >= min(p.length, Int(n.length)) else {
            let first = p.family << Self.bucketBits | Int(p.hi >> UInt64(64 - Self.bucketBits))
            for b in first..<(first + 1 << (Self.bucketBits - p.length)) { buckets[b] = state }
            return
        }
        let next = Bucket(parent: cur, best: n.slot >= 0 ? cur : state.best)
        if Int(n.length) < p.length {  // every walk in p goes through n the same way
            return fill(p, n.child(p.bit(Int(n.length))), next)
        }
        // Split p in halves: below n's length they still reach n; at n's length they take its two children.
        let low = Key(hi: p.hi, lo: 0, length: p.length + 1, family: p.family)
        let high = Key(hi: p.hi | 1 << UInt64(63 - p.length), lo: 0, length: p.length + 1, family: p.family)
        if Int(n.length) == p.length {
            fill(low, n.child0, next)
            fill(high, n.child1, next)
        } else {
            fill(low, cur, state)
            fill(high, cur, state)
        }
    }

    private mutating func refreshBuckets(_ node: Int32) {
        let n = nodes[Int(node)]
        refreshBuckets(Key(hi: n.hi, lo: n.lo, length: Int(n.length), family: Int(n.family)))
    }

    /// Stores `slot` at exactly `k` unless a value is there already; returns the node and that value's
    /// slot (-1 when `slot` was stored).
    mutating func insert(_ k: Key, slot: Int32) -> (node: Int32, existing: Int32) {
        var (parent, dir, cur, _) = start(k)
        while cur >= 0 {
            let n = nodes[Int(cur)]
            let c = min(Self.common(k, n), k.length, Int(n.length))
            if c == Int(n.length) {
                if c == k.length {
                    guard n.slot < 0 else { return (cur, n.slot) }
                    nodes[Int(cur)].slot = slot
                    refreshBuckets(cur)
                    return (cur, -1)
                }
                parent = cur
                dir = k.bit(c)
                cur = n.child(dir)
                continue
            }
            if c == k.length {  // k lies above n
                let x = alloc(k.hi, k.lo, k.length, k.family, slot: slot)
                nodes[Int(x)].setChild(Self.bit(n.hi, n.lo, c), cur)
                link(k.family, parent, dir, x)
                refreshBuckets(x)
                return (x, -1)
            }
            let g = Key(hi: k.hi, lo: k.lo, length: c, family: k.family)  // k and n diverge at bit c
            let glue = alloc(g.hi, g.lo, c, k.family)
            let x = alloc(k.hi, k.lo, k.length, k.family, slot: slot)
            nodes[Int(glue)].setChild(k.bit(c), x)
            nodes[Int(glue)].setChild(1 - k.bit(c), cur)
            link(k.family, parent, dir, glue)
            refreshBuckets(glue)
            return (x, -1)
        }
        let x = alloc(k.hi, k.lo, k.length, k.family, slot: slot)
        link(k.family, parent, dir, x)
        refreshBuckets(x)
        return (x, -1)
    }

    /// The node holding a value at exactly `k`, or -1.
    func find(_ k: Key) -> Int32 {
        var cur = start(k).cur
        while cur >= 0 {
            let n = nodes[Int(cur)]
            if Int(n.length) > k.length || Self.common(k, n) < Int(n.length) { return -1 }
            if Int(n.length) == k.length { return n.slot >= 0 ? cur : -1 }
            cur = n.child(k.bit(Int(n.length)))
        }
        return -1
    }

    /// The node of the longest stored prefix covering `k`, or -1.
    func longest(_ k: Key) -> Int32 {
        var (_, _, cur, best) = start(k)
        while cur >= 0 {
            let n = nodes[Int(cur)]
            if Int(n.length) > k.length || Self.common(k, n) < Int(n.length) { break }
            if n.slot >= 0 { best = cur }
            if Int(n.length) == k.length { break }
            cur = n.child(k.bit(Int(n.length)))
        }
        return best
    }

    /// `best`: the longest stored prefix strictly shorter than `k` covering it (-1 if none);
    /// `top`: the root of the subtree holding every node inside `k` (-1 if there is none).
    func locate(_ k: Key) -> (best: Int32, top: Int32) {
        var (_, _, cur, best) = start(k)
        while cur >= 0 {
            let n = nodes[Int(cur)]
            let c = Self.common(k, n)
            if Int(n.length) >= k.length { return (best, c >= k.length ? cur : -1) }
            if c < Int(n.length) { break }
            if n.slot >= 0 { best = cur }
            cur = n.child(k.bit(Int(n.length)))
        }
        return (best, -1)
    }

    /// Calls `body` with every valued node of the subtree at `top`, in pre-order.
    func forEach(from top: Int32, family: Int, _ body: (Int32) -> Void) {
        guard top >= 0 else { return }
        var stack: [Int32] = [top]
        while let n = stack.popLast() {
            let node = nodes[Int(n)]
            if node.child1 >= 0 { stack.append(node.child1) }
            if node.child0 >= 0 { stack.append(node.child0) }
            if node.slot >= 0 { body(n) }
        }
    }

    /// See ``PrefixTrie/coverage(of:unitLength:)``; `node` is -1 for the uncovered part.
    func coverage(_ k: Key, unit: Int) -> [(node: Int32, size: Double)] {
        func size(_ length: UInt8) -> Double { Double(sign: .plus, exponent: unit - Int(length), significand: 1) }
        let (best, top) = locate(k)
        var out: [(node: Int32, size: Double)] = [(best, size(UInt8(k.length)))]
        guard top >= 0 else { return out }
        out[0].size -= size(nodes[Int(top)].length)
        // Each node's own part (its space minus its children's) goes to the nearest valued node at or
        // above it; the stack carries the index in `out` of that node's entry.
        var stack: [(node: Int32, owner: Int)] = [(top, 0)]
        while let (n, inherited) = stack.popLast() {
            let node = nodes[Int(n)]
            var owner = inherited
            if node.slot >= 0 {
                owner = out.count
                out.append((n, 0))
            }
            out[owner].size += size(node.length)
            for c in [node.child0, node.child1] where c >= 0 {
                out[owner].size -= size(nodes[Int(c)].length)
                stack.append((c, owner))
            }
        }
        return out.filter { $0.size > 0 }
    }

    /// Clears the value at exactly `k` and prunes the nodes no longer needed; returns its slot or -1.
    mutating func remove(_ k: Key) -> Int32 {
        var grand: Int32 = -1
        var grandDir = 0
        var parent: Int32 = -1
        var dir = 0
        var cur = roots[k.family]
        while cur >= 0 {
            let n = nodes[Int(cur)]
            if Int(n.length) > k.length || Self.common(k, n) < Int(n.length) { return -1 }
            if Int(n.length) == k.length { break }
            grand = parent
            grandDir = dir
            parent = cur
            dir = k.bit(Int(n.length))
            cur = n.child(dir)
        }
        guard cur >= 0 else { return -1 }
        let n = nodes[Int(cur)]
        guard n.slot >= 0 else { return -1 }
        nodes[Int(cur)].slot = -1
        if n.child0 >= 0 && n.child1 >= 0 {  // stays as a glue node
            refreshBuckets(cur)
            return n.slot
        }
        let only = n.child0 >= 0 ? n.child0 : n.child1
        link(k.family, parent, dir, only)
        free.append(cur)
        var top = k
        if only < 0 && parent >= 0 && nodes[Int(parent)].slot < 0 {  // a glue parent left with one child
            let p = nodes[Int(parent)]
            link(k.family, grand, grandDir, p.child0 >= 0 ? p.child0 : p.child1)
            free.append(parent)
            top = Key(hi: p.hi, lo: p.lo, length: Int(p.length), family: k.family)
        }
        refreshBuckets(top)
        return n.slot
    }
}
