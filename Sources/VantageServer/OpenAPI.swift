/// The OpenAPI 3.0 description of the JSON API, served at `/openapi.json`.
enum OpenAPI {
    static let document = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "Vantage API",
    "version": "1",
    "description": "Read-only API of the Vantage Internet outage observatory: BGP visibility signals per country and AS, events (outage, instability, upstream-change, measurement-gap) with evidence and narrative, upstreams, CSV exports. Times are UTC; time parameters accept Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ. A bin whose measurement cannot be trusted has known=false and no values: no data is never zero routes."
  },
  "paths": {
    "/api/v1/countries": {"get": {"summary": "Countries with their current status", "operationId": "listCountries",
      "parameters": [{"$ref": "#/components/parameters/familyOptional"}, {"$ref": "#/components/parameters/status"}, {"$ref": "#/components/parameters/entityLimit"}, {"$ref": "#/components/parameters/offset"}],
      "responses": {"200": {"description": "Countries", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EntityList"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/api/v1/countries/{id}": {"get": {"summary": "One country: status per family and recent events", "operationId": "getCountry",
      "parameters": [{"$ref": "#/components/parameters/country"}],
      "responses": {"200": {"description": "Country", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EntityDetail"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/api/v1/countries/{id}/series": {"get": {"summary": "Signal time series of a country", "operationId": "getCountrySeries",
      "parameters": [{"$ref": "#/components/parameters/country"}, {"$ref": "#/components/parameters/family"}, {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"}],
      "responses": {"200": {"description": "Series", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Series"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/api/v1/countries/{id}/series.csv": {"get": {"summary": "Signal time series of a country as CSV", "operationId": "getCountrySeriesCSV",
      "parameters": [{"$ref": "#/components/parameters/country"}, {"$ref": "#/components/parameters/family"}, {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"}],
      "responses": {"200": {"description": "CSV, one row per bin", "content": {"text/csv": {"schema": {"type": "string"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/api/v1/countries/{id}/upstreams": {"get": {"summary": "Upstream ASes of a country at the end of the data", "operationId": "getCountryUpstreams",
      "parameters": [{"$ref": "#/components/parameters/country"}, {"$ref": "#/components/parameters/family"}],
      "responses": {"200": {"description": "Upstreams", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UpstreamList"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/api/v1/ases": {"get": {"summary": "Origin ASes with their current status", "operationId": "listASes",
      "parameters": [{"$ref": "#/components/parameters/familyOptional"}, {"$ref": "#/components/parameters/status"}, {"$ref": "#/components/parameters/entityLimit"}, {"$ref": "#/components/parameters/offset"}],
      "responses": {"200": {"description": "ASes", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EntityList"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/api/v1/ases/{id}": {"get": {"summary": "One AS: status per family and recent events", "operationId": "getAS",
      "parameters": [{"$ref": "#/components/parameters/asn"}],
      "responses": {"200": {"description": "AS", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EntityDetail"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/api/v1/ases/{id}/series": {"get": {"summary": "Signal time series of an AS", "operationId": "getASSeries",
      "parameters": [{"$ref": "#/components/parameters/asn"}, {"$ref": "#/components/parameters/family"}, {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"}],
      "responses": {"200": {"description": "Series", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Series"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/api/v1/ases/{id}/series.csv": {"get": {"summary": "Signal time series of an AS as CSV", "operationId": "getASSeriesCSV",
      "parameters": [{"$ref": "#/components/parameters/asn"}, {"$ref": "#/components/parameters/family"}, {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"}],
      "responses": {"200": {"description": "CSV, one row per bin", "content": {"text/csv": {"schema": {"type": "string"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/api/v1/ases/{id}/upstreams": {"get": {"summary": "Upstream ASes of an AS at the end of the data", "operationId": "getASUpstreams",
      "parameters": [{"$ref": "#/components/parameters/asn"}, {"$ref": "#/components/parameters/family"}],
      "responses": {"200": {"description": "Upstreams", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UpstreamList"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/api/v1/events": {"get": {"summary": "Events, newest first", "operationId": "listEvents",
      "parameters": [{"$ref": "#/components/parameters/scope"}, {"$ref": "#/components/parameters/entity"}, {"$ref": "#/components/parameters/familyOptional"}, {"$ref": "#/components/parameters/kind"}, {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"}, {"$ref": "#/components/parameters/state"}, {"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/offset"}],
      "responses": {"200": {"description": "Events (without evidence; see /api/v1/events/{id})", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventList"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/api/v1/events.csv": {"get": {"summary": "Events as CSV", "operationId": "listEventsCSV",
      "parameters": [{"$ref": "#/components/parameters/scope"}, {"$ref": "#/components/parameters/entity"}, {"$ref": "#/components/parameters/familyOptional"}, {"$ref": "#/components/parameters/kind"}, {"$ref": "#/components/parameters/from"}, {"$ref": "#/components/parameters/to"}, {"$ref": "#/components/parameters/state"}, {"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/offset"}],
      "responses": {"200": {"description": "CSV, one row per event", "content": {"text/csv": {"schema": {"type": "string"}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/api/v1/events/{id}": {"get": {"summary": "One event with its evidence and narrative", "operationId": "getEvent",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "example": "outage:country:KP:ipv4:1419264906"}],
      "responses": {"200": {"description": "Event", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}}, "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics (text format 0.0.4)", "operationId": "metrics",
      "responses": {"200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
      "responses": {"200": {"description": "OpenAPI 3.0 document", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
  },
  "components": {
    "parameters": {
      "country": {"name": "id", "in": "path", "required": true, "description": "ISO 3166 two-letter code", "schema": {"type": "string", "pattern": "^[A-Za-z]{2}$"}, "example": "KP"},
      "asn": {"name": "id", "in": "path", "required": true, "description": "AS number, with or without AS", "schema": {"type": "string", "pattern": "^([Aa][Ss])?[0-9]{1,10}$"}, "example": "131279"},
      "family": {"name": "family", "in": "query", "required": false, "description": "Address family (default ipv4)", "schema": {"type": "string", "enum": ["ipv4", "ipv6"]}},
      "familyOptional": {"name": "family", "in": "query", "required": false, "description": "Address family (default both)", "schema": {"type": "string", "enum": ["ipv4", "ipv6"]}},
      "status": {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["outage", "unstable", "unknown", "normal"]}},
      "from": {"name": "from", "in": "query", "required": false, "description": "Start (inclusive): Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (UTC)", "schema": {"type": "string", "pattern": "^([0-9]{1,10}|[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?Z?)?)$"}, "example": "2014-12-22"},
      "to": {"name": "to", "in": "query", "required": false, "description": "End (inclusive), same forms as from", "schema": {"type": "string", "pattern": "^([0-9]{1,10}|[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?Z?)?)$"}, "example": "2014-12-23T12:00:00Z"},
      "scope": {"name": "scope", "in": "query", "required": false, "schema": {"type": "string", "enum": ["country", "asn", "prefix"]}},
      "entity": {"name": "entity", "in": "query", "required": false, "description": "KP, AS131279, …", "schema": {"type": "string"}},
      "kind": {"name": "kind", "in": "query", "required": false, "schema": {"type": "string", "enum": ["outage", "instability", "upstream-change", "measurement-gap"]}},
      "state": {"name": "state", "in": "query", "required": false, "schema": {"type": "string", "enum": ["open", "closed"]}},
      "limit": {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}},
      "entityLimit": {"name": "limit", "in": "query", "required": false, "description": "At most this many entities (default all)", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000}},
      "offset": {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}}
    },
    "responses": {
      "BadRequest": {"description": "A parameter is not valid", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "Unknown entity, event or route", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["status", "message"], "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}},
      "Links": {"type": "object", "required": ["api"], "properties": {"api": {"type": "string"}, "series": {"type": "string"}, "events": {"type": "string"}, "upstreams": {"type": "string"}, "dashboard": {"type": "string"}}},
      "Entity": {"type": "object", "required": ["scope", "id", "family", "status", "visible_prefixes", "open_events", "event_count", "links"], "properties": {
        "scope": {"type": "string"}, "id": {"type": "string"}, "name": {"type": "string"}, "country": {"type": "string"}, "family": {"type": "string"},
        "status": {"type": "string", "enum": ["outage", "unstable", "unknown", "normal"]}, "visible_prefixes": {"type": "integer"},
        "visible_slash24s": {"type": "number"}, "visible_slash48s": {"type": "number"}, "open_events": {"type": "integer"}, "event_count": {"type": "integer"},
        "as_of": {"type": "string", "format": "date-time"}, "links": {"$ref": "#/components/schemas/Links"}}},
      "EntityList": {"type": "object", "required": ["full_feed_peers_up", "total", "count", "entities"], "properties": {"data_until": {"type": "string", "format": "date-time"}, "total": {"type": "integer"}, "full_feed_peers_up": {"type": "object", "additionalProperties": {"type": "integer"}}, "count": {"type": "integer"}, "entities": {"type": "array", "items": {"$ref": "#/components/schemas/Entity"}}}},
      "EntityDetail": {"type": "object", "required": ["scope", "id", "families", "recent_events"], "properties": {"scope": {"type": "string"}, "id": {"type": "string"}, "name": {"type": "string"}, "country": {"type": "string"}, "families": {"type": "array", "items": {"$ref": "#/components/schemas/Entity"}}, "recent_events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}},
      "Point": {"type": "object", "required": ["time", "unix", "seconds", "known", "full_feed_peers_up"], "properties": {
        "time": {"type": "string", "format": "date-time"}, "unix": {"type": "integer"}, "seconds": {"type": "integer", "description": "bin width; a long run of bins without data is one unknown point this long"}, "known": {"type": "boolean", "description": "false: the bin's measurement cannot be trusted; values are absent, not zero"},
        "full_feed_peers_up": {"type": "integer"}, "visible_prefixes": {"type": "integer"}, "visible_space": {"type": "number", "description": "/24 (IPv4) or /48 (IPv6) equivalents"},
        "min_visible_space": {"type": "number"}, "peer_share": {"type": "number"}, "announcements": {"type": "integer"}, "withdrawals": {"type": "integer"}, "flaps": {"type": "integer"},
        "upstreams": {"type": "array", "items": {"type": "integer"}}}},
      "Series": {"type": "object", "required": ["scope", "id", "family", "space_unit", "points"], "properties": {"scope": {"type": "string"}, "id": {"type": "string"}, "family": {"type": "string"}, "space_unit": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"}, "bin_seconds": {"type": "integer"}, "points": {"type": "array", "items": {"$ref": "#/components/schemas/Point"}}}},
      "Upstream": {"type": "object", "required": ["asn", "path_share", "space_share"], "properties": {"asn": {"type": "integer"}, "name": {"type": "string"}, "path_share": {"type": "number"}, "space_share": {"type": "number"}}},
      "UpstreamList": {"type": "object", "required": ["scope", "id", "family", "single", "upstreams"], "properties": {"scope": {"type": "string"}, "id": {"type": "string"}, "family": {"type": "string"}, "as_of": {"type": "string"}, "single": {"type": "boolean"}, "upstreams": {"type": "array", "items": {"$ref": "#/components/schemas/Upstream"}}}},
      "Evidence": {"type": "object", "required": ["prefixes_lost", "prefixes_regained", "withdrawing_peers", "last_paths"], "properties": {"prefixes_lost": {"type": "array", "items": {"type": "string"}}, "prefixes_regained": {"type": "array", "items": {"type": "string"}}, "withdrawing_peers": {"type": "array", "items": {"type": "string"}}, "last_paths": {"type": "array", "items": {"type": "string"}}}},
      "Event": {"type": "object", "required": ["id", "kind", "scope", "entity", "family", "start", "severity", "state", "baseline", "worst", "upstreams_before", "upstreams_after", "full_feed_peers_up", "narrative", "links"], "properties": {
        "id": {"type": "string"}, "kind": {"type": "string", "enum": ["outage", "instability", "upstream-change", "measurement-gap"]}, "scope": {"type": "string"}, "entity": {"type": "string"}, "family": {"type": "string"},
        "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time", "nullable": true}, "duration_seconds": {"type": "integer"},
        "severity": {"type": "number"}, "classification": {"type": "string"}, "state": {"type": "string", "enum": ["open", "closed"]}, "baseline": {"type": "number"}, "worst": {"type": "number"},
        "upstreams_before": {"type": "array", "items": {"type": "integer"}}, "upstreams_after": {"type": "array", "items": {"type": "integer"}}, "full_feed_peers_up": {"type": "integer"},
        "narrative": {"type": "string"}, "evidence": {"$ref": "#/components/schemas/Evidence"}, "links": {"$ref": "#/components/schemas/Links"}}},
      "EventList": {"type": "object", "required": ["count", "limit", "offset", "events"], "properties": {"count": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}, "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}}}
    }
  }
}
"""#
}
