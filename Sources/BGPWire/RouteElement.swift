/// A route-level event extracted from an MRT record (the "elem" of libbgpstream): one RIB entry,
/// one announced or withdrawn prefix, or one peer state change. This is what everything above the
/// codec consumes.
public struct RouteElement: Sendable {
    public enum Kind: String, Sendable {
        case ribEntry = "rib"
        case announcement = "announce"
        case withdrawal = "withdraw"
        case peerState = "state"
    }

    public var kind: Kind
    public var timestamp: UInt32
    public var microseconds: UInt32?
    public var peerAddress: IPAddress
    public var peerASN: UInt32
    public var prefix: IPPrefix?
    public var pathID: UInt32?
    /// Attributes of announcements and RIB entries.
    public var attributes: PathAttributes?
    /// The next hop that applies to this prefix: MP_REACH_NLRI's for multiprotocol NLRI, else NEXT_HOP.
    public var nextHop: IPAddress?
    public var oldState: UInt16?
    public var newState: UInt16?

    init(kind: Kind, header: MRTHeader, peer: IPAddress, asn: UInt32) {
        self.kind = kind
        timestamp = header.timestamp
        microseconds = header.microseconds
        peerAddress = peer
        peerASN = asn
    }
}

extension MRTRecord {
    /// The route elements of this record. RIB entries need the PEER_INDEX_TABLE in force; entries
    /// whose peer index it does not hold are left out. Messages sent by the collector (*_LOCAL)
    /// and non-UPDATE messages yield no elements.
    public func elements(peerTable: PeerIndexTable?) -> [RouteElement] {
        var out: [RouteElement] = []
        switch message {
        case .rib(let rib):
            guard let table = peerTable else { return [] }
            for e in rib.entries where Int(e.peerIndex) < table.peers.count {
                let p = table.peers[Int(e.peerIndex)]
                var el = RouteElement(kind: .ribEntry, header: header, peer: p.address, asn: p.asn)
                el.prefix = rib.prefix
                el.pathID = e.pathID
                el.attributes = e.attributes
                el.nextHop = Self.nextHop(e.attributes, mp: e.attributes.mpReach)
                out.append(el)
            }
        case .tableDump(let t):
            var el = RouteElement(kind: .ribEntry, header: header, peer: t.peerAddress, asn: UInt32(t.peerAS))
            el.prefix = t.prefix
            el.attributes = t.attributes
            el.nextHop = Self.nextHop(t.attributes, mp: t.attributes.mpReach)
            out.append(el)
        case .bgp4mpStateChange(let s):
            var el = RouteElement(kind: .peerState, header: header, peer: s.peerAddress, asn: s.peerAS)
            el.oldState = s.oldState
            el.newState = s.newState
            out.append(el)
        case .bgp4mpMessage(let m):
            guard !m.isLocal, case .update(let u) = m.message else { return [] }
            Self.updateElements(u, header: header, peer: m.peerAddress, asn: m.peerAS, into: &out)
        case .legacyBGP(let l):
            let peer = IPAddress.v4(l.peerAddress)
            if let u = l.update {
                Self.updateElements(u, header: header, peer: peer, asn: UInt32(l.peerAS), into: &out)
            } else if l.subtype == LegacyBGPRecord.stateChange {
                var el = RouteElement(kind: .peerState, header: header, peer: peer, asn: UInt32(l.peerAS))
                el.oldState = l.oldState
                el.newState = l.newState
                out.append(el)
            }
        case .peerIndexTable, .unsupported:
            break
        }
        return out
    }

    static func nextHop(_ attrs: PathAttributes, mp: MPReach?) -> IPAddress? {
        if let first = mp?.nextHops.first { return first }
        return attrs.nextHop.map(IPAddress.v4)
    }

    static func updateElements(
        _ u: BGPUpdate, header: MRTHeader, peer: IPAddress, asn: UInt32, into out: inout [RouteElement]
    ) {
        func add(_ kind: RouteElement.Kind, _ n: NLRI, _ nh: IPAddress?) {
            var el = RouteElement(kind: kind, header: header, peer: peer, asn: asn)
            el.prefix = n.prefix
            el.pathID = n.pathID
            if kind == .announcement {
                el.attributes = u.attributes
                el.nextHop = nh
            }
            out.append(el)
        }
        for n in u.withdrawn { add(.withdrawal, n, nil) }
        if let w = u.attributes.mpUnreach { for n in w.withdrawn { add(.withdrawal, n, nil) } }
        let nh = u.attributes.nextHop.map(IPAddress.v4)
        for n in u.announced { add(.announcement, n, nh) }
        if let r = u.attributes.mpReach { for n in r.nlri { add(.announcement, n, r.nextHops.first) } }
    }
}
