import CBZip2
import Foundation

/// bzip2 decoded one block per job on worker threads and delivered in file order. The calling thread scans the file
/// for block boundaries (BlockScanner) and keeps at most 2 × threads blocks in flight. A piece that fails to decode is
/// merged with the pieces after it and decoded again, up to the largest possible block, which repairs a split at a
/// chance magic match; what then still fails is damage, reported after the blocks before it. Only output that passed
/// its block CRC is delivered, and each stream's combined CRC is checked as well.
final class ParallelBzip2Stream: ByteStream {
    private enum Entry {
        case block(DecodeJob)
        case emptyStream(crc: UInt32, offset: UInt64)
        case failure(any Error)
        case end
    }

    /// Merges tried on a piece that fails to decode. Each repairs one chance magic match inside the block, a
    /// 1-in-2^48 event per bit; the limit keeps crafted input with magics everywhere from costing quadratic time.
    private static let maxMerges = 16
    private let streamCRCMessage = "bzip2 data error: stream CRC mismatch"

    private let name: String
    private let nextItem: () -> BlockScanner.Item
    private let pool: WorkerPool
    private let maxInFlight: Int
    /// Scanned entries in file order, the blocks among them submitted to the pool.
    private var queue: [Entry] = []
    private var scanned = false
    private var output: [UInt8] = []
    private var outputPosition = 0
    private var pendingError: (any Error)?
    private var finished = false
    /// Combined CRC of the delivered blocks of the current stream.
    private var streamCRC: UInt32 = 0
    private(set) var compressedBytesRead: UInt64 = 0

    /// `nextItem` is the scanner's `next` (tests substitute one that splits blocks at false boundaries).
    init(name: String, threads: Int, nextItem: @escaping () -> BlockScanner.Item) {
        self.name = name
        self.nextItem = nextItem
        pool = WorkerPool(threads: threads)
        maxInFlight = 2 * threads
    }

    convenience init(scanner: BlockScanner, threads: Int) {
        self.init(name: scanner.source.name, threads: threads, nextItem: scanner.next)
    }

    deinit { pool.stop() }

    var kind: CompressionKind { .bzip2 }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while outputPosition == output.count {
            if let error = pendingError {
                pendingError = nil
                finish()
                throw error
            }
            if finished { return 0 }
            advance()
        }
        let count = min(buffer.count, output.count - outputPosition)
        output.withUnsafeBytes {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[outputPosition..<outputPosition + count]))
        }
        outputPosition += count
        return count
    }

    private func finish() {
        finished = true
        queue.removeAll()
        pool.stop()
    }

    /// Scans ahead until `maxInFlight` entries are queued or the scanner is done.
    private func topUp() {
        while !scanned && queue.count < maxInFlight {
            switch nextItem() {
            case .piece(let piece): queue.append(.block(pool.submit(piece)))
            case .emptyStream(let crc, let offset): queue.append(.emptyStream(crc: crc, offset: offset))
            case .failure(let error):
                queue.append(.failure(error))
                scanned = true
            case .end:
                queue.append(.end)
                scanned = true
            }
        }
    }

    /// Takes the next entry and turns it into output, an error, or the end.
    private func advance() {
        topUp()
        output = []
        outputPosition = 0
        switch queue.removeFirst() {
        case .end:
            finish()
        case .failure(let error):
            pendingError = error
        case .emptyStream(let crc, let offset):
            if crc != 0 { pendingError = failure(streamCRCMessage, at: offset) }
        case .block(let job):
            deliver(job)
        }
    }

    private func deliver(_ job: DecodeJob) {
        var piece = job.piece
        var result = pool.wait(for: job)
        var merges = 0
        while result.outcome != .complete && result.outcome != .endedEarly, case .block = piece.end,
              merges < Self.maxMerges, piece.bitCount <= maxBlockBits(level: Int(piece.level) - 0x30) {
            merges += 1
            topUp()
            guard case .block(let nextJob) = queue.first else { break }
            queue.removeFirst()
            piece = piece.merged(with: nextJob.piece)
            result = decode(piece)
        }
        compressedBytesRead = piece.endOffset
        switch result.outcome {
        case .failed(let status):
            pendingError = failure(bzip2Message(status), at: piece.offset)
            return
        case .endedEarly:
            pendingError = failure("trailing garbage after bzip2 stream", at: piece.endOffset)
        case .truncated where !piece.isCut:
            pendingError = failure(bzip2Message(BZ_DATA_ERROR), at: piece.offset)
        case .complete, .truncated:
            switch piece.end {
            case .cut(let message):
                pendingError = failure(message, at: piece.endOffset)
            case .stream(let crc):
                streamCRC = combinedCRC(streamCRC, adding: piece.blockCRC)
                if crc != streamCRC { pendingError = failure(streamCRCMessage, at: piece.endOffset) }
                streamCRC = 0
            case .block:
                streamCRC = combinedCRC(streamCRC, adding: piece.blockCRC)
            }
        }
        output = result.output
    }

    private func failure(_ message: String, at offset: UInt64) -> ArchiveError {
        ArchiveError(file: name, compressedOffset: offset, message: message)
    }
}

/// One piece on its way through the pool; `result` is guarded by the pool's condition.
final class DecodeJob: @unchecked Sendable {
    let piece: Piece
    fileprivate var result: DecodeResult?

    init(piece: Piece) { self.piece = piece }
}

/// Threads that decode submitted pieces, oldest first, until stopped.
final class WorkerPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var waiting: [DecodeJob] = []
    private var stopped = false

    init(threads: Int) {
        for _ in 0..<threads { Thread { [self] in work() }.start() }
    }

    func submit(_ piece: Piece) -> DecodeJob {
        let job = DecodeJob(piece: piece)
        condition.lock()
        waiting.append(job)
        condition.signal()
        condition.unlock()
        return job
    }

    /// Blocks until a submitted job is decoded.
    func wait(for job: DecodeJob) -> DecodeResult {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let result = job.result { return result }
            condition.wait()
        }
    }

    /// Lets the threads exit once their current job is done; queued jobs are dropped.
    func stop() {
        condition.lock()
        stopped = true
        waiting.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while !stopped {
            guard !waiting.isEmpty else {
                condition.wait()
                continue
            }
            let job = waiting.removeFirst()
            condition.unlock()
            let result = decode(job.piece)
            condition.lock()
            job.result = result
            condition.broadcast()
        }
        condition.unlock()
    }
}
