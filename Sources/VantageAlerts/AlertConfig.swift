import Foundation
import VantageCore
import Yams

/// Webhook alerting, configured in YAML:
///
/// ```yaml
/// dashboard_url: http://vantage.example.net:8080   # optional: links in alerts
/// retry: { attempts: 5, initial_backoff_seconds: 1, max_backoff_seconds: 60, timeout_seconds: 10 }
/// webhooks:
///   - name: noc
///     url: https://hooks.example.net/vantage
///     format: json            # json (default) or slack
///     kinds: [outage, upstream-change]    # default: outage, instability, upstream-change
///     scopes: [country, asn]  # default: all
///     entities: [KP, AS131279] # default: all
///     min_severity: 0.5       # default 0
///     headers: { Authorization: "Bearer …" }
/// ```
public struct AlertConfig: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable { case json, slack }

    public struct Webhook: Sendable, Hashable {
        public var name: String
        public var url: URL
        public var format: Format = .json
        public var kinds: Set<EventKind> = [.outage, .instability, .upstreamChange]
        public var scopes: Set<Scope> = [.country, .asn, .prefix]
        public var entities: Set<String> = []
        public var minSeverity: Double = 0
        public var headers: [String: String] = [:]

        public init(name: String, url: URL) {
            self.name = name
            self.url = url
        }

        public func matches(_ e: Event) -> Bool {
            kinds.contains(e.kind) && scopes.contains(e.entity.scope)
                && (entities.isEmpty || entities.contains(e.entity.id)) && e.severity >= minSeverity
        }
    }

    public struct Retry: Sendable, Hashable {
        public var attempts = 5
        public var initialBackoff = 1.0
        public var maxBackoff = 60.0
        public var timeout = 10.0
        public init() {}

        /// Wait before attempt `n` (1-based; attempt 1 waits nothing): doubling from the initial backoff.
        public func backoff(before n: Int) -> Double {
            n <= 1 ? 0 : min(maxBackoff, initialBackoff * pow(2, Double(n - 2)))
        }
    }

    public var webhooks: [Webhook] = []
    public var retry = Retry()
    public var dashboardURL: String?

    public init() {}

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(path: String) throws -> AlertConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(description: "\(path): cannot read the alert configuration")
        }
        do {
            return try parse(String(decoding: data, as: UTF8.self))
        } catch let e as Invalid {
            throw Invalid(description: "\(path): \(e.description)")
        }
    }

    public static func parse(_ yaml: String) throws -> AlertConfig {
        let root: Any?
        do {
            root = try Yams.load(yaml: yaml)
        } catch {
            throw Invalid(description: "not valid YAML: \(error)")
        }
        guard let top = root as? [String: Any] else { throw Invalid(description: "expected a mapping at the top") }
        var c = AlertConfig()
        for key in top.keys where !["webhooks", "retry", "dashboard_url"].contains(key) {
            throw Invalid(description: "unknown key '\(key)' (expected webhooks, retry, dashboard_url)")
        }
        c.dashboardURL = top["dashboard_url"].map { "\($0)" }
        if let r = top["retry"] {
            guard let r = r as? [String: Any] else { throw Invalid(description: "retry: expected a mapping") }
            if let v = r["attempts"] {
                guard let n = v as? Int, n >= 1, n <= 100 else { throw Invalid(description: "retry.attempts: 1…100") }
                c.retry.attempts = n
            }
            func seconds(_ k: String) throws -> Double? {
                guard let v = r[k] else { return nil }
                guard let d = (v as? Double) ?? (v as? Int).map(Double.init), d >= 0, d <= 3600 else {
                    throw Invalid(description: "retry.\(k): a number of seconds, 0…3600")
                }
                return d
            }
            if let d = try seconds("initial_backoff_seconds") { c.retry.initialBackoff = d }
            if let d = try seconds("max_backoff_seconds") { c.retry.maxBackoff = d }
            if let d = try seconds("timeout_seconds") { c.retry.timeout = max(0.1, d) }
        }
        guard let hooks = top["webhooks"] as? [Any], !hooks.isEmpty else {
            throw Invalid(description: "webhooks: expected a list with at least one webhook")
        }
        for (i, h) in hooks.enumerated() {
            guard let h = h as? [String: Any] else { throw Invalid(description: "webhooks[\(i)]: expected a mapping") }
            guard let u = h["url"] as? String, let url = URL(string: u), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", url.host != nil
            else {
                throw Invalid(description: "webhooks[\(i)].url: an http:// or https:// URL is required")
            }
            var w = Webhook(name: (h["name"] as? String) ?? "webhook-\(i + 1)", url: url)
            if let f = h["format"] {
                guard let f = (f as? String).flatMap(Format.init(rawValue:)) else {
                    throw Invalid(description: "webhooks[\(i)].format: json or slack")
                }
                w.format = f
            }
            if let k = h["kinds"] {
                guard let list = k as? [String] else { throw Invalid(description: "webhooks[\(i)].kinds: a list") }
                w.kinds = Set(
                    try list.map {
                        guard let kind = EventKind(rawValue: $0) else {
                            throw Invalid(
                                description:
                                    "webhooks[\(i)].kinds: unknown kind '\($0)' (outage, instability, upstream-change, measurement-gap)"
                            )
                        }
                        return kind
                    })
            }
            if let s = h["scopes"] {
                guard let list = s as? [String] else { throw Invalid(description: "webhooks[\(i)].scopes: a list") }
                w.scopes = Set(
                    try list.map {
                        guard let scope = Scope(rawValue: $0) else {
                            throw Invalid(description: "webhooks[\(i)].scopes: unknown scope '\($0)' (country, asn, prefix)")
                        }
                        return scope
                    })
            }
            if let e = h["entities"] {
                guard let list = e as? [Any] else { throw Invalid(description: "webhooks[\(i)].entities: a list") }
                w.entities = Set(list.map { "\($0)" })
            }
            if let m = h["min_severity"] {
                guard let d = (m as? Double) ?? (m as? Int).map(Double.init), d >= 0, d <= 1 else {
                    throw Invalid(description: "webhooks[\(i)].min_severity: a number from 0 to 1")
                }
                w.minSeverity = d
            }
            if let hd = h["headers"] {
                guard let map = hd as? [String: Any] else { throw Invalid(description: "webhooks[\(i)].headers: a mapping") }
                w.headers = map.mapValues { "\($0)" }
            }
            for key in h.keys
            where !["name", "url", "format", "kinds", "scopes", "entities", "min_severity", "headers"].contains(key) {
                throw Invalid(description: "webhooks[\(i)]: unknown key '\(key)'")
            }
            c.webhooks.append(w)
        }
        return c
    }
}
