import Foundation
import VantageCore
import VantageStore

/// SVG charts for the dashboard: a timeline (line + area) and activity bars, with events shaded and
/// bins of unknown measurement greyed out. Long series are squeezed to one column per pixel: the
/// timeline keeps each column's minimum (so a short drop shows) and the bars its maximum.
enum Charts {
    static let width = 960.0
    static let height = 190.0
    static let left = 62.0
    static let right = 12.0
    static let top = 24.0
    static let bottom = 26.0

    struct Frame {
        var t0: Double
        var t1: Double
        var plotW: Double { width - left - right }
        var plotH: Double { height - top - bottom }
        func x(_ t: Double) -> Double { left + (t - t0) / max(1, t1 - t0) * plotW }
    }

    static func frame(_ points: [SeriesPoint]) -> Frame {
        Frame(t0: Double(points.first!.time), t1: Double(points.last!.time + points.last!.width))
    }

    /// Column index → the points that fall in it.
    static func columns(_ points: [SeriesPoint], _ f: Frame) -> [[SeriesPoint]] {
        let n = max(1, min(points.count, Int(f.plotW)))
        var cols = Array(repeating: [SeriesPoint](), count: n)
        for p in points {
            let c = min(n - 1, Int((Double(p.time) - f.t0) / max(1, f.t1 - f.t0) * Double(n)))
            cols[c].append(p)
        }
        return cols
    }

    static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }

    static func open(_ id: String, _ title: String) -> String {
        "<svg class=chart id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\" role=img aria-label=\"\(Web.html(title))\"><title>\(Web.html(title))</title>"
            + "<defs><pattern id=\"hatch-\(id)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eceef2\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b9bdc7\" stroke-width=\"2\"/></pattern></defs>"
            + "<text x=\"\(left)\" y=\"15\" style=\"font-weight:600;fill:#1d2330\">\(Web.html(title))</text>"
    }

    static func eventColor(_ k: EventKind) -> String {
        switch k {
        case .outage: return "#c62828"
        case .instability: return "#f59e0b"
        case .upstreamChange: return "#1b5fbf"
        case .measurementGap: return "#8a8f99"
        }
    }

    /// Shaded event spans (behind the data), unknown bins, and the time axis.
    static func background(_ points: [SeriesPoint], _ events: [Event], _ f: Frame, id: String) -> String {
        var s = ""
        // Unknown measurement: grey bands.
        var runStart: SeriesPoint?
        var prev: SeriesPoint?
        func closeRun() {
            if let a = runStart, let b = prev {
                let x0 = f.x(Double(a.time))
                let x1 = max(x0 + 1, f.x(Double(b.time + b.width)))
                s += "<rect class=unknown x=\"\(fmt(x0))\" y=\"\(top)\" width=\"\(fmt(x1 - x0))\" height=\"\(fmt(f.plotH))\" fill=\"url(#hatch-\(id))\"><title>measurement unknown</title></rect>"
            }
            runStart = nil
        }
        for p in points {
            if !p.known { if runStart == nil { runStart = p } } else { closeRun() }
            prev = p
        }
        closeRun()
        for e in events {
            let a = max(f.t0, Double(e.start))
            let b = min(f.t1, Double(e.end ?? UInt32(f.t1)))
            guard b >= a else { continue }
            let x0 = f.x(a)
            let x1 = max(x0 + 2, f.x(b))
            let label = "\(e.kind.rawValue) \(UTC.short(e.start)) → \(e.end.map(UTC.short) ?? "open")"
            s += "<a href=\"/event/\(Web.pathEscape(e.id))\"><rect class=\"event \(e.kind.rawValue)\" x=\"\(fmt(x0))\" y=\"\(top)\" width=\"\(fmt(x1 - x0))\" height=\"\(fmt(f.plotH))\" fill=\"\(eventColor(e.kind))\" opacity=\"\(e.kind == .outage ? "0.2" : "0.16")\"><title>\(Web.html(label))</title></rect></a>"
        }
        // Time axis: about six ticks on round hours.
        let span = f.t1 - f.t0
        let steps: [Double] = [
            300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800, 604_800, 2_592_000, 7_776_000, 31_536_000,
        ]
        let step = steps.first { span / $0 <= 7 } ?? (span / 6).rounded(.up)
        var t = (f.t0 / step).rounded(.up) * step
        let y = top + f.plotH
        s += "<line x1=\"\(left)\" y1=\"\(fmt(y))\" x2=\"\(fmt(width - right))\" y2=\"\(fmt(y))\" stroke=\"#99a\"/>"
        while t <= f.t1 {
            let x = f.x(t)
            if x > width - right - 30 { break }
            let label = step >= 86400 ? String(UTC.iso8601(UInt32(t)).prefix(10)) : String(UTC.short(UInt32(t)).dropFirst(5).dropLast(4))
            s += "<line x1=\"\(fmt(x))\" y1=\"\(fmt(y))\" x2=\"\(fmt(x))\" y2=\"\(fmt(y + 4))\" stroke=\"#99a\"/><text x=\"\(fmt(x))\" y=\"\(fmt(y + 16))\" text-anchor=middle>\(label)</text>"
            t += step
        }
        return s
    }

    static func yAxis(_ maxV: Double, _ f: Frame) -> String {
        let y0 = top + f.plotH
        let label = maxV >= 10 || maxV == maxV.rounded() ? grouped(Int(maxV.rounded())) : fmt(maxV)
        return "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(top + 8))\" text-anchor=end>\(label)</text>"
            + "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y0))\" text-anchor=end>0</text>"
            + "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(fmt(y0))\" stroke=\"#99a\"/>"
    }

    /// A line and area of `value` over known bins (unknown bins break the line).
    static func timeline(
        _ points: [SeriesPoint], events: [Event], title: String, id: String, value: (EntitySignal) -> Double
    ) -> String {
        let f = frame(points)
        let cols = columns(points, f)
        // A column with no bin at all (rounding) continues the line; a column whose bins are all
        // unknown breaks it.
        var cols2 = cols
        if cols2.count == 1 { cols2.append(cols2[0]) }
        let empty = cols2.map(\.isEmpty)
        let vals: [Double?] = cols2.map { c in
            let known = c.filter(\.known).compactMap { $0.signal.map(value) }
            return known.min()
        }
        let maxV = max(1, vals.compactMap { $0 }.max() ?? 1)
        var s = open(id, title) + background(points, events, f, id: id) + yAxis(maxV, f)
        let n = Double(vals.count - 1)
        var path = ""
        var area = ""
        var penDown = false
        var segStart = 0.0
        var lastX = 0.0
        let y0 = top + f.plotH
        for (i, v) in vals.enumerated() {
            if empty[i] { continue }
            let x = left + Double(i) / max(1, n) * f.plotW
            guard let v else {
                if penDown { area += "L\(fmt(lastX)),\(fmt(y0))L\(fmt(segStart)),\(fmt(y0))Z" }
                penDown = false
                continue
            }
            let y = top + (1 - v / maxV) * f.plotH
            if penDown {
                path += "L\(fmt(x)),\(fmt(y))"
                area += "L\(fmt(x)),\(fmt(y))"
            } else {
                path += "M\(fmt(x)),\(fmt(y))"
                area += "M\(fmt(x)),\(fmt(y0))L\(fmt(x)),\(fmt(y))"
                segStart = x
                penDown = true
            }
            lastX = x
        }
        if penDown { area += "L\(fmt(lastX)),\(fmt(y0))L\(fmt(segStart)),\(fmt(y0))Z" }
        s += "<path d=\"\(area)\" fill=\"#1b5fbf\" opacity=\"0.07\"/><path class=line d=\"\(path)\" fill=none stroke=\"#1b5fbf\" stroke-width=\"1.6\"/>"
        return s + "</svg>" + legend(events)
    }

    /// Bars of withdrawals + flaps per bin (column maximum).
    static func bars(_ points: [SeriesPoint], events: [Event], title: String, id: String) -> String {
        let f = frame(points)
        let cols = columns(points, f)
        let vals = cols.map { c in c.compactMap { $0.signal.map { Double($0.withdrawals + $0.flaps) } }.max() ?? 0 }
        let maxV = max(1, vals.max() ?? 1)
        var s = open(id, title) + background(points, events, f, id: id) + yAxis(maxV, f)
        let w = max(1, f.plotW / Double(vals.count))
        for (i, v) in vals.enumerated() where v > 0 {
            let h = v / maxV * f.plotH
            s += "<rect x=\"\(fmt(left + Double(i) * w))\" y=\"\(fmt(top + f.plotH - h))\" width=\"\(fmt(max(1, w - 0.5)))\" height=\"\(fmt(h))\" fill=\"#ef8f00\"/>"
        }
        return s + "</svg>"
    }

    static func legend(_ events: [Event]) -> String {
        let kinds = Set(events.map(\.kind))
        var s = "<div class=legend><span style=\"background:#1b5fbf\"></span>visible (column minimum)<span style=\"background:repeating-linear-gradient(45deg,#eceef2 0 3px,#b9bdc7 3px 5px)\"></span>measurement unknown"
        for k in [EventKind.outage, .instability, .upstreamChange, .measurementGap] where kinds.contains(k) {
            s += "<span style=\"background:\(eventColor(k));opacity:.5\"></span>\(k.rawValue)"
        }
        return s + "</div>"
    }
}
