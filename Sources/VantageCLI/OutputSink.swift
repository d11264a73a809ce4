#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffered writes to a file descriptor (stdout by default), flushed in large blocks.
public final class OutputSink {
    public private(set) var buffer: [UInt8] = []
    let fd: Int32
    let flushThreshold: Int
    /// Set when a write fails (for example a closed pipe); later writes are dropped.
    public private(set) var failed = false

    public init(fd: Int32 = 1, flushThreshold: Int = 1 << 20) {
        self.fd = fd
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 65536)
    }

    @inline(__always)
    public func flushIfNeeded() {
        if buffer.count >= flushThreshold { flush() }
    }

    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        flushIfNeeded()
    }

    public func write(_ s: String) { write(Array(s.utf8)) }

    /// Appends in place (no copy), then flushes if the buffer is large.
    public func append(_ body: (inout [UInt8]) -> Void) {
        body(&buffer)
        flushIfNeeded()
    }

    public func flush() {
        defer { buffer.removeAll(keepingCapacity: true) }
        guard !failed else { return }
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { raw in
                #if canImport(Glibc)
                    Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                #else
                    Darwin.write(fd, raw.baseAddress! + done, raw.count - done)
                #endif
            }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                failed = true
                return
            }
            done += n
        }
    }

    deinit { flush() }
}

/// One line to standard error.
public func printError(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    bytes.withUnsafeBytes { raw in
        #if canImport(Glibc)
            _ = Glibc.write(2, raw.baseAddress!, raw.count)
        #else
            _ = Darwin.write(2, raw.baseAddress!, raw.count)
        #endif
    }
}
