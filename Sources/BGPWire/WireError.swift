/// A decoding failure: what was being read, where, and why.
///
/// `offset` is absolute in the decompressed stream when the decoder was given the record's file
/// offset, so a message can point a user at the exact byte.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Fewer bytes than the field needs.
        case truncated
        /// Bytes left over after a fixed-layout structure.
        case trailingBytes = "trailing bytes"
        /// A value that the specification forbids (bad marker, prefix longer than the family allows…).
        case invalid
        /// A well-formed value this decoder cannot interpret (unknown AFI in a place that needs one).
        case unsupported
    }

    public var kind: Kind
    public var field: String
    public var offset: Int
    public var detail: String

    public init(_ kind: Kind, field: StaticString, offset: Int, needed: Int, available: Int) {
        self.kind = kind
        self.field = "\(field)"
        self.offset = offset
        switch kind {
        case .truncated: detail = "needs \(needed) bytes, \(available) left"
        case .trailingBytes: detail = "\(available) unexpected bytes"
        default: detail = "length \(needed), \(available) left"
        }
    }

    public init(_ kind: Kind, field: StaticString, offset: Int, detail: String) {
        self.kind = kind
        self.field = "\(field)"
        self.offset = offset
        self.detail = detail
    }

    public var description: String { "byte \(offset): \(field): \(kind.rawValue) (\(detail))" }
}
