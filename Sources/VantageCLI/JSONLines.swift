import BGPWire

/// One JSON object per route element, written straight to bytes.
///
/// Fields: `type` (rib, announce, withdraw, state), `time` (seconds), `microseconds` (ET records),
/// `peer_ip`, `peer_asn`, `prefix`, `path_id`, and for routes `as_path` (bgpdump notation, AS4 merged),
/// `origin_asn`, `origin`, `next_hop`, `local_pref`, `med`, `communities`, `large_communities`,
/// `atomic_aggregate`, `aggregator`; for state changes `old_state` and `new_state` (RFC 4271 names).
public enum JSONLines {
    static let stateNames = ["unknown", "idle", "connect", "active", "opensent", "openconfirm", "established"]

    public static func append(_ e: RouteElement, to out: inout [UInt8]) {
        TextWriter.append("{\"type\":\"", to: &out)
        out.append(contentsOf: e.kind.rawValue.utf8)
        TextWriter.append("\",\"time\":", to: &out)
        TextWriter.append(e.timestamp, to: &out)
        if let us = e.microseconds {
            TextWriter.append(",\"microseconds\":", to: &out)
            TextWriter.append(us, to: &out)
        }
        TextWriter.append(",\"peer_ip\":\"", to: &out)
        TextWriter.appendIP(e.peerAddress, to: &out)
        TextWriter.append("\",\"peer_asn\":", to: &out)
        TextWriter.append(e.peerASN, to: &out)
        if let p = e.prefix {
            TextWriter.append(",\"prefix\":\"", to: &out)
            TextWriter.appendIP(p.masked.address, to: &out)
            out.append(UInt8(ascii: "/"))
            TextWriter.append(UInt32(p.length), to: &out)
            out.append(UInt8(ascii: "\""))
        }
        if let id = e.pathID {
            TextWriter.append(",\"path_id\":", to: &out)
            TextWriter.append(id, to: &out)
        }
        if let a = e.attributes {
            let path = a.effectiveASPath
            TextWriter.append(",\"as_path\":\"", to: &out)
            if let path { TextWriter.appendASPath(path, to: &out) }
            out.append(UInt8(ascii: "\""))
            if let o = path?.origin {
                TextWriter.append(",\"origin_asn\":", to: &out)
                TextWriter.append(o, to: &out)
            }
            if let o = a.origin {
                TextWriter.append(",\"origin\":\"", to: &out)
                out.append(contentsOf: o.description.utf8)
                out.append(UInt8(ascii: "\""))
            }
            if let nh = e.nextHop {
                TextWriter.append(",\"next_hop\":\"", to: &out)
                TextWriter.appendIP(nh, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            if let lp = a.localPref {
                TextWriter.append(",\"local_pref\":", to: &out)
                TextWriter.append(lp, to: &out)
            }
            if let med = a.multiExitDisc {
                TextWriter.append(",\"med\":", to: &out)
                TextWriter.append(med, to: &out)
            }
            if let cs = a.communities {
                TextWriter.append(",\"communities\":[", to: &out)
                for (i, c) in cs.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(UInt8(ascii: "\""))
                    out.append(contentsOf: c.description.utf8)
                    out.append(UInt8(ascii: "\""))
                }
                out.append(UInt8(ascii: "]"))
            }
            if let ls = a.largeCommunities {
                TextWriter.append(",\"large_communities\":[", to: &out)
                for (i, c) in ls.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(UInt8(ascii: "\""))
                    out.append(contentsOf: c.description.utf8)
                    out.append(UInt8(ascii: "\""))
                }
                out.append(UInt8(ascii: "]"))
            }
            if a.atomicAggregate { TextWriter.append(",\"atomic_aggregate\":true", to: &out) }
            if let agg = a.effectiveAggregator {
                TextWriter.append(",\"aggregator\":{\"asn\":", to: &out)
                TextWriter.append(agg.asn, to: &out)
                TextWriter.append(",\"address\":\"", to: &out)
                TextWriter.appendIPv4(agg.address.value, to: &out)
                TextWriter.append("\"}", to: &out)
            }
        }
        if let o = e.oldState, let n = e.newState {
            TextWriter.append(",\"old_state\":\"", to: &out)
            out.append(contentsOf: (Int(o) < stateNames.count ? stateNames[Int(o)] : "state\(o)").utf8)
            TextWriter.append("\",\"new_state\":\"", to: &out)
            out.append(contentsOf: (Int(n) < stateNames.count ? stateNames[Int(n)] : "state\(n)").utf8)
            out.append(UInt8(ascii: "\""))
        }
        TextWriter.append("}\n", to: &out)
    }
}
