import VantageCore

/// Scenarios shipped inside the binary (`vantage simulate north-korea-2014`, `vantage demo`).
/// `scenarios/north-korea-2014.yaml` holds the same text (a test keeps the two equal).
public enum BuiltinScenarios {
    public static let all: [String: String] = ["north-korea-2014": northKorea2014]

    /// The text of a built-in scenario, by name.
    public static func yaml(named name: String) -> String? { all[name] }

    /// What the demo states before anything else.
    public static let northKoreaDisclaimer =
        "This is a reconstruction from public reports (Dyn Research, December 2014), simulated by vantage: not recorded BGP data."

    /// The published timeline the North Korea scenario reconstructs (UTC), for comparisons.
    public static let northKoreaTimeline: [(what: String, start: UInt32, end: UInt32?)] = [
        // From 2014-12-21 (the hour, 09:00, is this reconstruction's) until the outage.
        (
            "route instability for more than 24 h from 2014-12-21 (09:00 is this reconstruction's hour)",
            UTC.time(2014, 12, 21, 9, 0), UTC.time(2014, 12, 22, 16, 15)
        ),
        ("outage: all four networks withdrawn", UTC.time(2014, 12, 22, 16, 15), UTC.time(2014, 12, 23, 1, 46)),
        ("outage: withdrawn again", UTC.time(2014, 12, 23, 15, 41), UTC.time(2014, 12, 23, 16, 12)),
    ]

    public static let northKorea2014 = """
        # North Korea, 20–24 December 2014: a reconstruction for `vantage simulate` and `vantage demo`.
        #
        # Scenario schema (all times ISO-8601 UTC; durations like 45s, 5m, 1h30m; ranges MIN-MAX):
        #   name, description            what it is
        #   start, end                   the window: RIB at `start`, 15-minute update files until `end`
        #   seed                         fixes every random draw (same seed, same bytes); --seed overrides
        #   world                        builtin | rib, or a mapping: kind, ipv4_prefixes, ipv6_prefixes, ases,
        #                                countries, full_feed_peers, partial_peers, churn (multiplier), rib, registry
        #   events: list of
        #     at, until                  when it starts and stops
        #     action                     withdraw | flap | rehome | peer-reset | missing-file | announce
        #     target                     {country: KP} | {asn: 131279} | {prefixes: [175.45.176.0/24]}, optional share: 0.5
        #     interval, period           flap: time between withdrawals, and how long each lasts
        #     reach                      withdraw/flap: fraction of the full-feed peers that lose the routes (default 1)
        #     new_upstream               rehome: the AS the target is reached through from `at`
        #     peer, duration             peer-reset: peer AS or session address, and time down (default 2m)
        #     origin, upstream           announce: origin AS and its upstream for new prefixes
        #
        # The facts (Dyn Research, "North Korea Loses its Link to the Internet", 22 Dec 2014, and follow-ups):
        # four /24s, 175.45.176.0/24 – 175.45.179.0/24, originated by AS131279 (Star JV) with China Unicom
        # (AS4837) as the only upstream; more than 24 hours of route instability from 21 December; all four
        # networks withdrawn at 16:15 UTC on 22 December and back at 01:46 UTC on 23 December (9 h 31 min);
        # withdrawn again 15:41–16:12 UTC on 23 December. The hour the instability began (09:00 on the 21st),
        # the rhythm of the flaps and which peers saw each one are this reconstruction's choices.
        name: north-korea-2014
        description: >
          North Korea's Internet outage of December 2014, replayed: AS131279 (Star JV, KP) behind its single
          upstream AS4837 (China Unicom) flaps for more than a day from 2014-12-21, vanishes from the routing
          table at 2014-12-22 16:15 UTC, returns at 2014-12-23 01:46 UTC (9 h 31 min), and is withdrawn again
          from 15:41 to 16:12 UTC on 2014-12-23. This is a reconstruction from public reports (Dyn Research),
          not recorded data: the world around North Korea is synthetic, the timeline is the published one.
        start: 2014-12-20T00:00:00Z
        end: 2014-12-24T00:00:00Z
        seed: 20141222
        world:
          kind: builtin
          ipv4_prefixes: 110000
          ipv6_prefixes: 6000
          ases: 700
          countries: 40
          full_feed_peers: 6
          partial_peers: 4
        events:
          # Route instability: all four /24s withdrawn and re-announced every 8–25 minutes, each time for
          # 1–5 minutes. Each flap reaches a third of the full-feed peers (the ones whose paths crossed the
          # session that broke), so most of the world still sees the networks between flaps.
          - at: 2014-12-21T09:00:00Z
            until: 2014-12-22T16:05:00Z
            action: flap
            target: {country: KP}
            interval: 8m-25m
            period: 1m-5m
            reach: 0.34
          # The outage: every peer loses all four networks within seconds.
          - at: 2014-12-22T16:15:00Z
            until: 2014-12-23T01:46:00Z
            action: withdraw
            target: {country: KP}
          # Withdrawn again for 31 minutes.
          - at: 2014-12-23T15:41:00Z
            until: 2014-12-23T16:12:00Z
            action: withdraw
            target: {country: KP}

        """
}
