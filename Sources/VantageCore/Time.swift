/// UTC calendar arithmetic without Foundation (Howard Hinnant's days-from-civil algorithms).
public enum UTC {
    /// "2014-12-22T16:15:00Z".
    public static func iso8601(_ t: UInt32) -> String {
        let (y, m, d, hh, mm, ss) = components(t)
        return "\(y)-\(pad(m))-\(pad(d))T\(pad(hh)):\(pad(mm)):\(pad(ss))Z"
    }

    /// "2014-12-22 16:15 UTC".
    public static func short(_ t: UInt32) -> String {
        let (y, m, d, hh, mm, _) = components(t)
        return "\(y)-\(pad(m))-\(pad(d)) \(pad(hh)):\(pad(mm)) UTC"
    }

    /// "9 h 31 min", "31 min", "45 s".
    public static func duration(_ seconds: UInt32) -> String {
        let d = seconds / 86400
        let h = seconds % 86400 / 3600
        let m = seconds % 3600 / 60
        if d > 0 { return "\(d) d \(h) h \(m) min" }
        if h > 0 { return "\(h) h \(m) min" }
        if m > 0 { return "\(m) min" }
        return "\(seconds) s"
    }

    static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    public static func components(_ t: UInt32) -> (Int, Int, Int, Int, Int, Int) {
        let secs = Int(t)
        let z = secs / 86400 + 719468
        let era = z / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        let rem = secs % 86400
        return (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
    }

    /// Unix seconds of a UTC date and time.
    public static func time(_ y: Int, _ m: Int, _ d: Int, _ hh: Int = 0, _ mm: Int = 0, _ ss: Int = 0) -> UInt32 {
        let yy = m <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return UInt32(days * 86400 + hh * 3600 + mm * 60 + ss)
    }
}
