/// Uncompressed input passed through unchanged, read from the file in 1 MiB chunks.
final class PlainStream: ByteStream {
    private let input: InputBuffer
    private var finished = false

    init(source: InputSource) { input = InputBuffer(source: source) }

    var kind: CompressionKind { .none }
    var compressedBytesRead: UInt64 { input.offset }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, !buffer.isEmpty else { return 0 }
        do {
            if input.available == 0 { try input.fill() }
        } catch {
            finished = true
            throw error
        }
        let n = min(buffer.count, input.available)
        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input.unread)[..<n]))
        input.start += n
        finished = n == 0
        return n
    }
}
