import Foundation
import Hummingbird
import VantageCore
import VantageStore

/// An API failure with its HTTP status; rendered as `{"error":{"status":…,"message":…}}`.
struct APIError: Error {
    var status: HTTPResponse.Status
    var message: String
    static func bad(_ m: String) -> APIError { APIError(status: .badRequest, message: m) }
    static func notFound(_ m: String) -> APIError { APIError(status: .notFound, message: m) }
}

/// The read-only HTTP surface over a store: JSON API, CSV exports, OpenAPI document, dashboard and metrics.
public struct VantageHTTP: Sendable {
    public let store: any ObservatoryStore
    public let metrics: ServerMetrics

    public init(store: any ObservatoryStore, metrics: ServerMetrics = ServerMetrics()) {
        self.store = store
        self.metrics = metrics
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.addMiddleware {
            RequestCounter(metrics: metrics)
            ReadOnly()
        }
        let api = router.group("api/v1")
        api.read("countries") { req, _ in respond(req) { try listEntities(.country, req) } }
        api.read("ases") { req, _ in respond(req) { try listEntities(.asn, req) } }
        for (segment, scope) in [("countries", Scope.country), ("ases", Scope.asn)] {
            api.read("\(segment)/:id") { req, ctx in respond(req) { try entityDetail(scope, ctx, req) } }
            api.read("\(segment)/:id/series") { req, ctx in respond(req) { try series(scope, ctx, req, csv: false) } }
            api.read("\(segment)/:id/series.csv") { req, ctx in respond(req) { try series(scope, ctx, req, csv: true) } }
            api.read("\(segment)/:id/upstreams") { req, ctx in respond(req) { try upstreams(scope, ctx, req) } }
        }
        api.read("events") { req, _ in respond(req) { try events(req, csv: false) } }
        api.read("events.csv") { req, _ in respond(req) { try events(req, csv: true) } }
        api.read("events/:id") { req, ctx in respond(req) { try event(ctx) } }
        api.read("**") { req, _ in
            respond(req) { throw APIError.notFound("no such API route: \(req.uri.path) (see /openapi.json)") }
        }
        router.read("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPI.document)))
        }
        router.read("metrics") { req, _ in
            respond(req) {
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: try metrics.exposition(store: store))))
            }
        }
        Dashboard(store: store).routes(router)
        return router
    }

    // MARK: - Handlers

    func family(_ req: Request, required: Bool = false) throws -> String? {
        guard let f = req.uri.queryParameters.get("family") else { return required ? "ipv4" : nil }
        guard f == "ipv4" || f == "ipv6" else { throw APIError.bad("family must be ipv4 or ipv6, not '\(f)'") }
        return f
    }

    func time(_ req: Request, _ name: String) throws -> UInt32? {
        guard let s = req.uri.queryParameters.get(name) else { return nil }
        guard let t = Web.parseTime(s) else {
            throw APIError.bad("\(name) must be Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '\(s)'")
        }
        return t
    }

    func range(_ req: Request) throws -> (UInt32?, UInt32?) {
        let from = try time(req, "from")
        let to = try time(req, "to")
        if let from, let to, from > to { throw APIError.bad("from is after to") }
        return (from, to)
    }

    /// `limit` (1…maxLimit) and `offset` (0…10⁹).
    func page(_ req: Request, maxLimit: Int, defaultLimit: Int) throws -> (limit: Int, offset: Int) {
        var limit = defaultLimit
        var offset = 0
        if let l = req.uri.queryParameters.get("limit") {
            guard let n = Int(l), (1...maxLimit).contains(n) else { throw APIError.bad("limit must be 1…\(maxLimit)") }
            limit = n
        }
        if let o = req.uri.queryParameters.get("offset") {
            guard let n = Int(o), (0...1_000_000_000).contains(n) else { throw APIError.bad("offset must be 0…1000000000") }
            offset = n
        }
        return (limit, offset)
    }

    func listEntities(_ scope: Scope, _ req: Request) throws -> Response {
        let fam = try family(req)
        var status: EntityStatus?
        if let s = req.uri.queryParameters.get("status") {
            guard let st = EntityStatus(rawValue: s) else {
                throw APIError.bad("status must be one of \(EntityStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = st
        }
        let (limit, offset) = try page(req, maxLimit: 1_000_000, defaultLimit: 1_000_000)
        var list = try store.entities(scope: scope).filter { fam == nil || $0.key.family == fam }
        if let status { list = list.filter { $0.status == status } }
        let totals = try store.totals()
        let slice = list.dropFirst(offset).prefix(limit)
        return json(
            DTO.EntityList(
                dataUntil: totals.lastBin.map(UTC.iso8601), fullFeedPeersUp: totals.fullFeedPeersUp, total: list.count,
                count: slice.count, entities: slice.map(DTO.entity)))
    }

    static func entityID(_ scope: Scope, _ raw: String) throws -> String {
        let s = raw.removingPercentEncoding ?? raw
        switch scope {
        case .country:
            let cc = s.uppercased()
            guard cc.count == 2, cc.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw APIError.bad("a country is a two-letter ISO 3166 code, not '\(s)'")
            }
            return cc
        case .asn:
            let digits = s.uppercased().hasPrefix("AS") ? String(s.dropFirst(2)) : s
            guard let n = UInt32(digits) else { throw APIError.bad("an AS is a number (131279 or AS131279), not '\(s)'") }
            return "AS\(n)"
        case .prefix:
            return s
        }
    }

    func known(_ scope: Scope, _ id: String) throws -> [EntitySummary] {
        let found = try store.entity(scope: scope, id: id)
        guard !found.isEmpty else {
            throw APIError.notFound("\(scope == .country ? "country" : "AS") \(id) has no data in this store")
        }
        return found
    }

    func entityDetail(_ scope: Scope, _ ctx: BasicRequestContext, _ req: Request) throws -> Response {
        let id = try Self.entityID(scope, ctx.parameters.get("id") ?? "")
        let fams = try known(scope, id)
        var q = EventQuery()
        q.scope = scope
        q.entity = id
        q.limit = 20
        let info = fams[0].info
        return json(
            DTO.EntityDetail(
                scope: scope.rawValue, id: id, name: info.name, country: info.country, families: fams.map(DTO.entity),
                recentEvents: try store.events(q).map { DTO.event($0, evidence: false) }))
    }

    func series(_ scope: Scope, _ ctx: BasicRequestContext, _ req: Request, csv: Bool) throws -> Response {
        let id = try Self.entityID(scope, ctx.parameters.get("id") ?? "")
        let fam = try family(req, required: true)!
        let (from, to) = try range(req)
        _ = try known(scope, id)
        let key = EntityKey(scope: scope, id: id, family: fam)
        let points = try store.series(key, from: from, to: to)
        if csv {
            var out = "time,unix,seconds,known,full_feed_peers_up,visible_prefixes,visible_space,min_visible_space,peer_share,announcements,withdrawals,flaps,upstreams\n"
            for p in points.map(DTO.point) {
                let cols: [String] = [
                    p.time, "\(p.unix)", "\(p.seconds)", p.known ? "true" : "false", "\(p.fullFeedPeersUp)",
                    p.visiblePrefixes.map(String.init) ?? "", p.visibleSpace.map { "\($0)" } ?? "",
                    p.minVisibleSpace.map { "\($0)" } ?? "", p.peerShare.map { "\($0)" } ?? "",
                    p.announcements.map(String.init) ?? "", p.withdrawals.map(String.init) ?? "",
                    p.flaps.map(String.init) ?? "", (p.upstreams ?? []).map(String.init).joined(separator: " "),
                ]
                out += cols.map(Web.csv).joined(separator: ",") + "\n"
            }
            return text(out, type: "text/csv; charset=utf-8", filename: "\(id)-\(fam)-series.csv")
        }
        return json(
            DTO.Series(
                scope: scope.rawValue, id: id, family: fam, spaceUnit: fam == "ipv4" ? "/24" : "/48",
                from: points.first.map { UTC.iso8601($0.time) }, to: points.last.map { UTC.iso8601($0.time) },
                binSeconds: try store.settings()["bin_seconds"].flatMap { UInt32($0) }, points: points.map(DTO.point)))
    }

    func upstreams(_ scope: Scope, _ ctx: BasicRequestContext, _ req: Request) throws -> Response {
        let id = try Self.entityID(scope, ctx.parameters.get("id") ?? "")
        let fam = try family(req, required: true)!
        let summary = try known(scope, id).first { $0.key.family == fam }
        let key = EntityKey(scope: scope, id: id, family: fam)
        let ups = try store.upstreams(key)
        let names = try store.info(scope: .asn, ids: ups.map { "AS\($0.asn)" })
        return json(
            DTO.UpstreamList(
                scope: scope.rawValue, id: id, family: fam, asOf: summary?.lastTime.map(UTC.iso8601), single: ups.count == 1,
                upstreams: ups.map {
                    DTO.Upstream(
                        asn: $0.asn, name: names["AS\($0.asn)"]?.name, pathShare: DTO.round($0.pathShare),
                        spaceShare: DTO.round($0.spaceShare))
                }))
    }

    func eventQuery(_ req: Request) throws -> EventQuery {
        var q = EventQuery()
        let p = req.uri.queryParameters
        if let s = p.get("scope") {
            guard let scope = Scope(rawValue: s) else { throw APIError.bad("scope must be country, asn or prefix") }
            q.scope = scope
        }
        if let e = p.get("entity") {
            // With a scope, "kp" and "131279" mean KP and AS131279; without one the id is taken as given.
            q.entity = (q.scope.flatMap { try? Self.entityID($0, e) }) ?? e
        }
        q.family = try family(req)
        if let k = p.get("kind") {
            guard let kind = EventKind(rawValue: k) else {
                throw APIError.bad("kind must be outage, instability, upstream-change or measurement-gap")
            }
            q.kind = kind
        }
        (q.from, q.to) = try range(req)
        if let s = p.get("state") {
            guard let st = EventQuery.State(rawValue: s) else { throw APIError.bad("state must be open or closed") }
            q.state = st
        }
        (q.limit, q.offset) = try page(req, maxLimit: 10_000, defaultLimit: q.limit)
        return q
    }

    func events(_ req: Request, csv: Bool) throws -> Response {
        let q = try eventQuery(req)
        let list = try store.events(q)
        if csv {
            var out = "id,kind,scope,entity,family,start,end,duration_seconds,severity,classification,state,full_feed_peers_up,upstreams_before,upstreams_after,prefixes_lost,narrative\n"
            for s in list {
                let e = DTO.event(s, evidence: true)
                let cols: [String] = [
                    e.id, e.kind, e.scope, e.entity, e.family, e.start, e.end ?? "", e.durationSeconds.map(String.init) ?? "",
                    "\(e.severity)", e.classification ?? "", e.state, "\(e.fullFeedPeersUp)",
                    e.upstreamsBefore.map(String.init).joined(separator: " "),
                    e.upstreamsAfter.map(String.init).joined(separator: " "),
                    (e.evidence?.prefixesLost ?? []).joined(separator: " "), e.narrative,
                ]
                out += cols.map(Web.csv).joined(separator: ",") + "\n"
            }
            return text(out, type: "text/csv; charset=utf-8", filename: "events.csv")
        }
        return json(DTO.EventList(count: list.count, limit: q.limit, offset: q.offset, events: list.map { DTO.event($0, evidence: false) }))
    }

    func event(_ ctx: BasicRequestContext) throws -> Response {
        let raw = ctx.parameters.get("id") ?? ""
        let id = raw.removingPercentEncoding ?? raw
        guard let e = try store.event(id: id) else { throw APIError.notFound("no event with id '\(id)'") }
        return json(DTO.event(e, evidence: true))
    }
}

// MARK: - Responses

func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let data = (try? DTO.encoder.encode(value)) ?? Data("{}".utf8)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func text(_ s: String, type: String, filename: String? = nil) -> Response {
    var headers: HTTPFields = [.contentType: type]
    if let filename { headers[.contentDisposition] = "attachment; filename=\"\(filename)\"" }
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: s)))
}

/// Runs a handler; API errors become their status with a JSON body, store errors a 500.
func respond(_ req: Request, _ body: () throws -> Response) -> Response {
    do {
        return try body()
    } catch let e as APIError {
        return json(DTO.ErrorBody(error: .init(status: Int(e.status.code), message: e.message)), status: e.status)
    } catch {
        return json(
            DTO.ErrorBody(error: .init(status: 500, message: "store error: \(error)")), status: .internalServerError)
    }
}

/// Everything is read-only: methods other than GET and HEAD get 405 with `Allow: GET, HEAD`.
struct ReadOnly: RouterMiddleware {
    typealias Context = BasicRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.method == .get || request.method == .head else {
            var r = json(
                DTO.ErrorBody(error: .init(status: 405, message: "\(request.method) is not allowed: this server is read-only (GET, HEAD)")),
                status: .methodNotAllowed)
            r.headers[.allow] = "GET, HEAD"
            return r
        }
        guard request.method == .head else { return try await next(request, context) }
        // HEAD (routed to the GET handler by `read`): the same status and headers, no body.
        let r = try await next(request, context)
        return Response(status: r.status, headers: r.headers, body: .init())
    }
}

extension RouterMethods {
    /// A read route: GET, and HEAD answered by the same handler (ReadOnly drops the body).
    @discardableResult
    func read(_ path: RouterPath, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator)
        -> Self
    {
        on(path, method: .get, use: handler)
        return on(path, method: .head, use: handler)
    }
}

/// Counts requests per status class for `/metrics`.
struct RequestCounter: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServerMetrics
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            let r = try await next(request, context)
            metrics.countRequest(status: Int(r.status.code))
            return r
        } catch {
            metrics.countRequest(status: (error as? HTTPResponseError).map { Int($0.status.code) } ?? 500)
            throw error
        }
    }
}
