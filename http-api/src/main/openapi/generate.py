#!/usr/bin/env python3
"""Writes the OpenAPI 3.1 document that GET /openapi.json serves:

    python3 http-api/src/main/openapi/generate.py http-api/src/main/resources/adsml/http/openapi.json

Edit this script, not the JSON, when a route, a body or a status changes; HttpApiTest fails while the
document and the routes disagree."""
import json
import sys

OUT = sys.argv[1]

COUNTRIES = ["US", "GB", "DE", "FR", "BR", "IN", "JP", "CA", "AU", "MX"]
DEVICES = ["ios", "android", "desktop"]
AGE_BUCKETS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
SURFACES = ["home_feed", "search", "video", "article"]
CREATIVE_TYPES = ["image", "video", "carousel", "text"]
BID_TYPES = ["CPC", "CPM", "CPA"]
VERSION_STATES = ["LOADING", "WARMING", "READY", "ACTIVE", "DRAINING", "UNLOADED", "FAILED"]
OUTCOMES = ["WON", "BELOW_RESERVE", "BELOW_QUALITY_FLOOR", "OUTBID", "DIVERSITY", "OUT_OF_BUDGET", "PACED_OUT",
            "FREQUENCY_CAPPED", "INVALID_SCORE"]

ADMIN_SERVER = [{"url": "http://127.0.0.1:8081", "description": "admin listener (adsml.http.admin-host:admin-port); the public listener answers 404 here"}]
ADMIN_SEC = [{"adminToken": []}]


def ref(kind, name):
    return {"$ref": f"#/components/{kind}/{name}"}


def s(name):
    return ref("schemas", name)


def r(name):
    return ref("responses", name)


def json_body(schema, description, example=None):
    media = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"description": description, "content": {"application/json": media}}


def other_methods(extra=""):
    return {"405": r("MethodNotAllowed")}


def path_item(description, ops, admin=False):
    item = {"description": description}
    if admin:
        item["servers"] = ADMIN_SERVER
    item.update(ops)
    item["x-other-methods"] = other_methods()
    return item


def op(op_id, tag, summary, description, responses, request_body=None, parameters=None, admin_api=False):
    o = {"tags": [tag], "operationId": op_id, "summary": summary, "description": description}
    if parameters:
        o["parameters"] = parameters
    if request_body:
        o["requestBody"] = request_body
    if admin_api:
        o["security"] = ADMIN_SEC
        responses = dict(responses)
        responses["401"] = r("Unauthorized")
    o["responses"] = dict(sorted(responses.items()))
    return o


JSON_BODY = ("The body goes through JsonBody: it must be declared Content-Type: application/json (parameters such as "
             "charset are allowed), else 415 before a byte of it is read (a request without the header counts as "
             "application/octet-stream); bodies over adsml.http.max-body-bytes (default 1048576) answer 413. The route "
             "then parses the bytes itself: malformed JSON or anything but a JSON object is a 400, and so is each field "
             "missing or wrong, the reason naming it.")
JSON_BODY_REQUEST = ("Content-Type: application/json required (else 415); at most adsml.http.max-body-bytes (else 413); "
                     "validated by hand, field by field (else 400 naming the field).")

# ---------------------------------------------------------------- schemas
nullable_number = {"type": ["number", "null"]}
nan_number = {
    "anyOf": [{"type": "number"}, {"type": "string", "const": "NaN"}],
    "description": "A float; Jackson writes NaN (a model that predicted NaN) as the string \"NaN\".",
}

schemas = {
    "Error": {
        "type": "object",
        "description": ("Every error the routes write, whatever the status (JsonResponses.ErrorBody): {\"error\": reason}. "
                        "The reason names the field at fault for a 400; a 500 never names classes or paths."),
        "required": ["error"],
        "properties": {"error": {"type": "string", "examples": ["context.hour: must be within [0, 23], was 24"]}},
        "additionalProperties": False,
    },
    "Country": {"type": "string", "enum": COUNTRIES},
    "Device": {"type": "string", "enum": DEVICES},
    "Surface": {"type": "string", "enum": SURFACES},
    "AgeBucket": {"type": "string", "enum": AGE_BUCKETS},
    "CreativeType": {"type": "string", "enum": CREATIVE_TYPES},
    "BidType": {"type": "string", "enum": BID_TYPES,
                "description": "The unit a bid is priced in: CPC per click, CPM per 1000 impressions, CPA per conversion (dollars)."},
    "Category": {"type": "integer", "minimum": 0, "maximum": 49, "description": "An ad category / user interest id, 0..49."},
    "RankContext": {
        "type": "object",
        "description": "Unknown values are a 400 that lists the known ones.",
        "required": ["surface", "device", "country", "hour"],
        "properties": {
            "surface": {"allOf": [s("Surface")], "description": "String of 1 to 128 characters, one of the surfaces."},
            "device": {"allOf": [s("Device")], "description": "String of 1 to 128 characters, one of the devices."},
            "country": {"allOf": [s("Country")], "description": "String of 1 to 128 characters, one of the countries."},
            "hour": {"type": "integer", "minimum": 0, "maximum": 23,
                     "description": "A JSON integer (13.0 is refused); required, null refused."},
        },
    },
    "RankRequest": {
        "type": "object",
        "description": ("Validated by RankRequest.parse: a JSON object (else 400 \"the body must be a JSON object\"); "
                        "malformed JSON answers 400 \"malformed JSON at line L, column C\". Unknown fields are ignored. "
                        "Integers must be JSON integers (5.0 is refused). slots, deadlineMs and debug may be null, "
                        "which means their default."),
        "required": ["userId", "context"],
        "properties": {
            "userId": {"type": "string", "minLength": 1, "maxLength": 128,
                       "description": ("\"u\" followed by 1 to 10 digits (value <= 2147483647) names a user of the world; "
                                       "any other string is not an error: it is served as a cold start. "
                                       "Length is counted in UTF-16 code units."),
                       "examples": ["u42"]},
            "context": s("RankContext"),
            "slots": {"type": ["integer", "null"], "minimum": 1, "maximum": 20, "default": 5,
                      "description": "Ads wanted, 1..the configured max slots (default 20; adsml.http.max-slots in the committed code, adsml.platform.auction.max-slots in work in progress)."},
            "deadlineMs": {"type": ["integer", "null"], "minimum": 1, "maximum": 2000, "default": 200,
                           "description": "Time budget in ms, 1..adsml.http.max-deadline-ms (default 2000)."},
            "debug": {"type": ["boolean", "null"], "default": False,
                      "description": "true adds the debug list of every scored candidate to the answer."},
        },
        "examples": [{"userId": "u42", "context": {"surface": "home_feed", "device": "ios", "country": "US", "hour": 13},
                      "slots": 5, "deadlineMs": 200, "debug": False}],
    },
    "RankedAd": {
        "type": "object",
        "description": "A winner, in slot order (RankResponseJson.write).",
        "required": ["adId", "campaignId", "bidType", "bid", "pctr", "pcvr", "ecpm", "price", "priceEcpm", "slot",
                     "propensity"],
        "properties": {
            "adId": {"type": "integer"},
            "campaignId": {"type": "integer"},
            "bidType": s("BidType"),
            "bid": {"type": "number", "description": "Dollars per the bidType's unit (float)."},
            "pctr": {"type": "number", "description": "Predicted click-through rate (float)."},
            "pcvr": {"type": "number", "description": "Predicted conversion rate (float; 0 for a single-head model)."},
            "ecpm": {"type": "number", "description": "Expected dollars per 1000 impressions."},
            "price": {"type": "number", "description": "The GSP price it pays, in its bid's unit."},
            "priceEcpm": {"type": "number", "description": ("The same price as dollars per 1000 impressions: "
                                                            "priceEcpm / 1000 per impression is what a marketplace "
                                                            "billing every bid type by the impression charges.")},
            "slot": {"type": "integer", "minimum": 0, "description": "0-based slot."},
            "propensity": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                           "description": ("The probability that the serving policy shows this ad in this slot: 1 "
                                           "unless the marketplace explores (adsml.platform.auction.exploration), "
                                           "which off-policy estimates weigh the user's response by.")},
        },
        "additionalProperties": False,
    },
    "DebugCandidate": {
        "type": "object",
        "description": "One scored candidate (RankResult.Candidate, written by Jackson), only with debug: true.",
        "required": ["adId", "campaignId", "bidType", "bid", "category", "creativeType", "retrievalSource",
                     "retrievalRank", "affinity", "interestInCategory", "pctr", "pcvr", "ecpm", "outcome", "slot",
                     "price", "reason", "features"],
        "properties": {
            "adId": {"type": "integer"},
            "campaignId": {"type": "integer"},
            "bidType": s("BidType"),
            "bid": {"type": "number"},
            "category": s("Category"),
            "creativeType": s("CreativeType"),
            "retrievalSource": {"type": "string", "enum": ["embedding", "cold-start"]},
            "retrievalRank": {"type": "integer", "description": "Where retrieval ranked it."},
            "affinity": {"type": "number", "description": "User embedding . ad embedding, the retrieval score."},
            "interestInCategory": {"type": "number"},
            "pctr": nan_number,
            "pcvr": nan_number,
            "ecpm": nan_number,
            "outcome": {"type": "string", "enum": OUTCOMES},
            "slot": {"type": ["integer", "null"], "minimum": 0, "description": "The slot it won; null when it lost."},
            "price": {"type": ["number", "null"], "description": "What it pays when it won; null when it lost."},
            "reason": {"type": "string", "description": "The outcome in words, with the figures that decided it."},
            "features": {"type": "object", "additionalProperties": {"type": "number"},
                         "description": ("Every feature of the scoring version's feature set, by name, as served: a "
                                         "sparse slot's id within its slot, a dense column's float (docs/FEATURES.md)."),
                         "examples": [{"ad_category": 12, "ad_ctr_1d": 0.021, "ad_clicks_5m_log": 1.79}]},
        },
        "additionalProperties": False,
    },
    "RankResponse": {
        "type": "object",
        "description": "Written field by field by RankResponseJson.write, in this order.",
        "required": ["requestId", "modelVersion", "ads", "candidates", "timingsMs"],
        "properties": {
            "requestId": {"type": "string",
                          "description": "<boot time in base 36>-<counter in base 36>; events refer to it.",
                          "examples": ["m4x1q2a-1b"]},
            "modelVersion": {"type": "string", "description": "<name>/<version> of the version that scored.",
                             "examples": ["ctr/1"]},
            "ads": {"type": "array", "items": s("RankedAd"), "description": "At most slots ads, in slot order."},
            "candidates": {
                "type": "object",
                "required": ["retrieved", "scored"],
                "properties": {"retrieved": {"type": "integer", "minimum": 0}, "scored": {"type": "integer", "minimum": 0}},
                "additionalProperties": False,
            },
            "timingsMs": {
                "type": "object",
                "description": "Milliseconds per stage, from the coordinator's start.",
                "required": ["retrievalMs", "featuresMs", "scoringMs", "auctionMs", "totalMs"],
                "properties": {k: {"type": "number"} for k in
                               ["retrievalMs", "featuresMs", "scoringMs", "auctionMs", "totalMs"]},
                "additionalProperties": False,
            },
            "debug": {"type": "array", "items": s("DebugCandidate"),
                      "description": "Present only when the request asked for debug and at least one candidate was scored."},
            "featureGroups": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                              "description": ("With debug: the scoring version's feature names by group (user, ad, "
                                              "campaign, advertiser, context, cross, realtime), in column order.")},
        },
        "additionalProperties": False,
    },
    "Event": {
        "type": "object",
        "description": "Validated by EventRoutes.event; a missing or wrong field is a 400 naming events[i].field (e.g. events[0].adId).",
        "required": ["type", "eventId", "requestId", "userId", "adId", "timestampMs"],
        "properties": {
            "type": {"type": "string",
                     "pattern": "^([Ii][Mm][Pp][Rr][Ee][Ss][Ss][Ii][Oo][Nn]|[Cc][Ll][Ii][Cc][Kk]|[Cc][Oo][Nn][Vv][Ee][Rr][Ss][Ii][Oo][Nn])$",
                     "description": "impression, click or conversion, matched case-insensitively.",
                     "examples": ["impression", "click", "conversion"]},
            "eventId": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$",
                        "description": ("Names the event for good: an event whose id the event log already holds (within "
                                        "its retention, across restarts) is a retry, acknowledged as a duplicate and not "
                                        "logged, counted or charged again. Send a batch again with the same ids until it "
                                        "is acknowledged.")},
            "requestId": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$",
                          "description": "The rank answer's requestId (not checked against served requests)."},
            "userId": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
            "adId": {"type": "integer", "minimum": 0, "maximum": 2147483647,
                     "description": "A JSON integer naming an ad the index holds (else 400 \"no ad N\")."},
            "timestampMs": {"type": "integer", "minimum": 946684800000,
                            "description": ("Epoch milliseconds, a JSON integer from 2000-01-01T00:00:00Z to a day past the "
                                            "server's clock (else 400).")},
            "cost": {"type": ["number", "null"], "minimum": 0, "maximum": 1000000, "default": 0,
                     "description": "Dollars charged; a positive cost is charged to the ad's campaign budget. Absent or null: 0."},
        },
    },
    "EventBatch": {
        "type": "object",
        "description": ("A JSON object (else 400), parsed into EventRoutes.EventBatch; the whole batch is validated before "
                        "anything is stored."),
        "required": ["events"],
        "properties": {
            "events": {"type": "array", "minItems": 1, "maxItems": 10000, "items": s("Event"),
                       "description": "1..adsml.http.max-events-per-request (default 10000) events."},
        },
        "examples": [{"events": [{"type": "click", "eventId": "e1", "requestId": "r1a", "userId": "u42", "adId": 17,
                                  "timestampMs": 1764000000000, "cost": 0.42}]}],
    },
    "EventsAccepted": {
        "type": "object",
        "description": "EventRoutes.Accepted: every event of the batch is in the event log.",
        "required": ["accepted", "appended", "duplicates"],
        "properties": {
            "accepted": {"type": "integer", "minimum": 1, "description": "Events of the batch, all now in the event log."},
            "appended": {"type": "integer", "minimum": 0, "description": "Of them, appended by this call (counted, charged)."},
            "duplicates": {"type": "integer", "minimum": 0,
                           "description": "Of them, already in the log (or repeated in the batch): acknowledged, not counted again."},
        },
        "additionalProperties": False,
    },
    "AdUpsert": {
        "type": "object",
        "description": ("Validated by AdRoutes.AdUpsert.from, fields in this order, the first wrong one named in the 400. "
                        "The body must be a JSON object (else 400); the path id's bound ([0, index size]) is checked after "
                        "that and before the fields."),
        "required": ["campaignId", "category", "creativeType", "embedding"],
        "properties": {
            "campaignId": {"type": "integer", "minimum": 0,
                           "description": "0..(campaigns - 1): an existing campaign of the world."},
            "category": {"allOf": [s("Category")],
                         "description": "0..49 (not checked against the campaign's own category)."},
            "creativeType": s("CreativeType"),
            "embedding": {"type": "array", "minItems": 6, "maxItems": 6,
                          "items": {"type": "number", "description": "Finite; stored as a float."}},
            "paused": {"type": "boolean", "description": "Optional; null is refused. Absent: an updated ad keeps its flag."},
        },
        "examples": [{"campaignId": 3, "category": 12, "creativeType": "video",
                      "embedding": [0.1, -0.2, 0.3, 0.0, 0.5, -0.1], "paused": False}],
    },
    "Targeting": {
        "type": "object",
        "description": "AdRoutes.TargetingView. An empty list means any.",
        "required": ["countries", "devices", "ages", "interests"],
        "properties": {
            "countries": {"type": "array", "items": s("Country")},
            "devices": {"type": "array", "items": s("Device")},
            "ages": {"type": "array", "items": s("AgeBucket")},
            "interests": {"type": "array", "items": s("Category")},
        },
        "additionalProperties": False,
    },
    "Campaign": {
        "type": "object",
        "description": "AdRoutes.CampaignView: the ad's campaign, what it spent today and whether that exhausted its daily budget.",
        "required": ["id", "advertiserId", "bidType", "bid", "dailyBudget", "spentToday", "outOfBudget", "targeting"],
        "properties": {
            "id": {"type": "integer", "minimum": 0},
            "advertiserId": {"type": "integer", "minimum": 0},
            "bidType": s("BidType"),
            "bid": {"type": "number", "exclusiveMinimum": 0},
            "dailyBudget": {"type": "number", "exclusiveMinimum": 0, "description": "Dollars."},
            "spentToday": {"type": "number", "description": "Dollars charged today (UTC)."},
            "outOfBudget": {"type": "boolean"},
            "targeting": s("Targeting"),
        },
        "additionalProperties": False,
    },
    "Ad": {
        "type": "object",
        "description": "An ad with its campaign and today's spend (AdRoutes.AdView).",
        "required": ["id", "campaignId", "category", "creativeType", "embedding", "paused", "campaign"],
        "properties": {
            "id": {"type": "integer", "minimum": 0},
            "campaignId": {"type": "integer", "minimum": 0},
            "category": s("Category"),
            "creativeType": s("CreativeType"),
            "embedding": {"type": "array", "minItems": 6, "maxItems": 6, "items": {"type": "number"}},
            "paused": {"type": "boolean"},
            "campaign": s("Campaign"),
        },
        "additionalProperties": False,
    },
    "ModelVersion": {
        "type": "object",
        "description": "What the registry knows of one version (VersionInfo, written by Jackson; instants as ISO-8601).",
        "required": ["name", "version", "state", "since", "detail", "loadedAt"],
        "properties": {
            "name": {"type": "string"},
            "version": {"type": "string"},
            "state": {"type": "string", "enum": VERSION_STATES},
            "since": {"type": "string", "format": "date-time", "description": "When it entered state."},
            "detail": {"type": "string",
                       "description": "The validation result once validated, the reason when FAILED, else the empty string."},
            "loadedAt": {"type": ["string", "null"], "format": "date-time",
                         "description": "When it became READY; null before that, and when it failed."},
        },
        "additionalProperties": False,
    },
    "VersionFigures": {
        "type": "object",
        "description": ("VersionFigures.Figures: what one model version ranked, and what the events of the ads it "
                        "showed reported. Revenue in dollars; a ratio is null while its denominator is 0."),
        "required": ["requests", "impressions", "clicks", "conversions", "revenue", "ctr", "rpm", "calibration"],
        "properties": {
            "requests": {"type": "integer", "minimum": 0, "description": "Rank requests it scored."},
            "impressions": {"type": "integer", "minimum": 0},
            "clicks": {"type": "integer", "minimum": 0},
            "conversions": {"type": "integer", "minimum": 0},
            "revenue": {"type": "number", "minimum": 0, "description": "The events' charges."},
            "ctr": {"type": ["number", "null"], "description": "Clicks per impression."},
            "rpm": {"type": ["number", "null"], "description": "Revenue per 1000 requests."},
            "calibration": {"type": ["number", "null"],
                            "description": ("The sum of its pCTR over the impressions, over the clicks: 1 is "
                                            "calibrated, above 1 it predicts too many clicks.")},
        },
        "additionalProperties": False,
    },
    "ShadowFigures": {
        "type": "object",
        "description": ("ShadowFigures.Figures: one shadow version's predictions against the live ones on the same "
                        "rows, since start. A ratio is null while its denominator is 0."),
        "required": ["requests", "shed", "rows", "meanAbsDelta", "meanShadowPctr", "meanLivePctr", "impressions",
                     "clicks", "calibration", "liveCalibration"],
        "properties": {
            "requests": {"type": "integer", "minimum": 0, "description": "Requests whose rows it scored."},
            "shed": {"type": "integer", "minimum": 0,
                     "description": ("Requests it did not score: shed by the scheduler (shadow work yields to live "
                                     "work), failed, or built with another feature set than it reads.")},
            "rows": {"type": "integer", "minimum": 0,
                     "description": "Rows compared (a row where either score is not a probability is left out)."},
            "meanAbsDelta": {"type": ["number", "null"], "minimum": 0,
                             "description": "The mean over rows of |shadow pCTR - live pCTR|."},
            "meanShadowPctr": {"type": ["number", "null"]},
            "meanLivePctr": {"type": ["number", "null"]},
            "impressions": {"type": "integer", "minimum": 0,
                            "description": "Live impressions of shown ads whose shadow pCTR was held."},
            "clicks": {"type": "integer", "minimum": 0, "description": "Their clicks."},
            "calibration": {"type": ["number", "null"],
                            "description": ("The shadow's pCTR summed over those impressions, over their clicks: 1 "
                                            "is calibrated.")},
            "liveCalibration": {"type": ["number", "null"],
                                "description": "The live version's, over the same impressions and clicks."},
        },
        "additionalProperties": False,
    },
    "ModelList": {
        "type": "object",
        "description": "AdminRoutes.ModelList.",
        "required": ["active", "canary", "shadow", "versions", "onDisk", "live", "shadowFigures",
                     "liveWindowMinutes", "unattributedEvents"],
        "properties": {
            "active": {"type": ["string", "null"], "description": "<name>/<version> serving now, or null.",
                       "examples": ["ctr/1"]},
            "canary": {"type": ["object", "null"], "required": ["version", "share", "since"],
                       "description": "The version serving a share of the users beside the active one, or null.",
                       "properties": {"version": {"type": "string", "examples": ["ctr/2"]},
                                      "share": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                                      "since": {"type": ["string", "null"], "format": "date-time",
                                                "description": "When it became the canary."}},
                       "additionalProperties": False},
            "shadow": {"type": ["object", "null"], "required": ["version", "since"],
                       "description": ("The version scoring every request's rows again in shadow (never shown, its "
                                       "scores only compared), or null."),
                       "properties": {"version": {"type": "string", "examples": ["ctr/2"]},
                                      "since": {"type": ["string", "null"], "format": "date-time",
                                                "description": "When it became the shadow."}},
                       "additionalProperties": False},
            "versions": {"type": "array", "items": s("ModelVersion"),
                         "description": "Every version the registry has seen since start-up (no particular order)."},
            "onDisk": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                       "description": ("Model name -> version folders holding a model.json, loaded or not, numeric "
                                       "versions first in numeric order."),
                       "examples": [{"ctr": ["1", "2"]}]},
            "live": {"type": "object",
                     "description": ("<name>/<version> -> the figures of every version that ranked a request since "
                                     "start: sinceStart, and recent (the current minute of the server's clock and the "
                                     "ones before it, liveWindowMinutes in all). An event counts for the version "
                                     "that served its request's ad (VersionFigures)."),
                     "additionalProperties": {
                         "type": "object", "required": ["sinceStart", "recent"],
                         "properties": {"sinceStart": s("VersionFigures"), "recent": s("VersionFigures")},
                         "additionalProperties": False}},
            "shadowFigures": {"type": "object",
                              "description": ("<name>/<version> -> the comparison with the live versions of every "
                                              "version that ran in shadow since start (ShadowFigures)."),
                              "additionalProperties": s("ShadowFigures")},
            "liveWindowMinutes": {"type": "integer", "minimum": 1,
                                  "description": "adsml.server.live-figures.recent-window, in minutes."},
            "unattributedEvents": {"type": "integer", "minimum": 0,
                                   "description": ("Events since start that named no ad a version was remembered to "
                                                   "have shown (adsml.server.live-figures.shown-ads).")},
        },
        "additionalProperties": False,
    },
    "LoopRound": {
        "type": "object",
        "description": "LoopRounds.Round: one round of the learning loop. RPMs in dollars per 1000 requests.",
        "required": ["at", "hour", "version", "baseline", "estimatedRpm", "estimatedRpmLow", "estimatedRpmHigh",
                     "baselineLoggedRpm", "ess", "realizedRpm", "canaryRequests", "promoted", "why"],
        "properties": {
            "at": {"type": "string", "format": "date-time", "description": "When it was judged (the server's clock)."},
            "hour": {"type": "integer", "minimum": 0, "maximum": 24},
            "version": {"type": "string", "description": "The retrained version.", "examples": ["ctr/3"]},
            "baseline": {"type": "string", "description": "The active version it was judged against."},
            "estimatedRpm": {"type": ["number", "null"], "description": "Replay's estimate on the baseline's logged requests; null when it had none."},
            "estimatedRpmLow": {"type": ["number", "null"], "description": "Its 95% interval, or null."},
            "estimatedRpmHigh": {"type": ["number", "null"]},
            "baselineLoggedRpm": {"type": ["number", "null"], "description": "What the baseline realized on those requests; null when there were none."},
            "ess": {"type": "number", "minimum": 0, "description": "Effective sample size of replay's weights."},
            "realizedRpm": {"type": ["number", "null"], "description": "What the canary realized, null if unknown."},
            "canaryRequests": {"type": "integer", "minimum": 0},
            "promoted": {"type": "boolean"},
            "why": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "LoopRounds": {
        "type": "object",
        "description": "AdminRoutes.LoopView.",
        "required": ["rounds"],
        "properties": {"rounds": {"type": "array", "items": s("LoopRound"), "maxItems": 1000,
                                  "description": "Oldest first; empty when no loop runs in this process."}},
        "additionalProperties": False,
    },
    "SchedulerSettings": {
        "type": "object",
        "description": "The batching scheduler's knobs, as GET answers them (AdminRoutes.Knobs).",
        "required": ["maxBatchRows", "maxQueueDelayMs", "maxQueuedRows", "serviceTimeSafety"],
        "properties": {
            "maxBatchRows": {"type": "integer", "minimum": 1},
            "maxQueueDelayMs": {"type": "number", "minimum": 0, "description": "Fractional ms (nanosecond precision)."},
            "maxQueuedRows": {"type": "integer", "minimum": 1},
            "serviceTimeSafety": {"type": "number", "minimum": 1},
        },
        "additionalProperties": False,
    },
    "SchedulerSettingsUpdate": {
        "type": "object",
        "description": ("Any subset of the knobs; absent ones keep their value, unknown fields are ignored, a present "
                        "null is refused. A JSON object (else 400), parsed into AdminRoutes.SchedulerUpdate: each knob in "
                        "this order is checked for its type, then for its bounds, and the first wrong one is the 400 (a bound's "
                        "reason names the knob as the scheduler does, e.g. \"maxQueueDelay must be between 0 and 1000 ms, "
                        "was PT1.001S\"). Nothing is applied unless every knob passes."),
        "properties": {
            "maxBatchRows": {"type": "integer", "minimum": 1, "maximum": 2147483647},
            "maxQueueDelayMs": {"type": "number", "minimum": 0, "description": "Finite; converted to whole nanoseconds."},
            "maxQueuedRows": {"type": "integer", "minimum": 1000, "maximum": 2147483647,
                              "description": "At least adsml.actors.max-candidates (default 1000): one rank request's candidates."},
            "serviceTimeSafety": {"type": "number", "minimum": 1, "description": "Finite."},
        },
        "examples": [{"maxQueueDelayMs": 2, "maxBatchRows": 4096}],
    },
    "SchedulerStats": {
        "type": "object",
        "description": "Cumulative since the scheduler started, except queuedRows (SchedulerStats, written by Jackson).",
        "required": ["queuedRows", "submitted", "batches", "rowsScored", "shed", "expired", "failed",
                     "batchSizeHistogram", "queueDelayNanos", "queueDelayCount", "deviceHealth"],
        "properties": {
            "queuedRows": {"type": "integer", "minimum": 0},
            "submitted": {"type": "integer", "minimum": 0},
            "batches": {"type": "integer", "minimum": 0},
            "rowsScored": {"type": "integer", "minimum": 0},
            "shed": {"type": "integer", "minimum": 0},
            "expired": {"type": "integer", "minimum": 0},
            "failed": {"type": "integer", "minimum": 0},
            "batchSizeHistogram": {"type": "array", "minItems": 32, "maxItems": 32,
                                   "items": {"type": "integer", "minimum": 0},
                                   "description": "Bucket i counts batches of [2^i, 2^(i+1)) rows."},
            "queueDelayNanos": {"type": "integer", "minimum": 0},
            "queueDelayCount": {"type": "integer", "minimum": 0},
            "deviceHealth": {"type": "object", "additionalProperties": {"type": "boolean"},
                             "examples": [{"cpu0": True}]},
        },
        "additionalProperties": False,
    },
    "FeatureLogStatus": {
        "type": "object",
        "description": "FeaturePlatformStatus, written by Jackson.",
        "required": ["sampleRate", "attributionWindowMs", "refusedRequests", "sets", "counters"],
        "properties": {
            "sampleRate": {"type": "number", "minimum": 0, "maximum": 1},
            "attributionWindowMs": {"type": "integer"},
            "refusedRequests": {"type": "integer", "description": "Requests whose rows the log could not take (logged once per server; the request was answered)."},
            "sets": {"type": "array", "items": {
                "type": "object",
                "required": ["set", "log", "join"],
                "properties": {
                    "set": {"type": "string", "examples": ["demo-v2"]},
                    "log": {"type": ["object", "null"], "description": "FeatureLogStats; null before this server wrote rows of the set.",
                            "properties": {k: {"type": "number"} for k in
                                           ["rowsWritten", "rowsOpen", "rowsPerSecond", "bytesWritten", "files",
                                            "droppedBatches", "failedBatches"]} | {"lastError": {"type": "string"}}},
                    "join": {"type": ["object", "null"], "description": "ExampleJoin.Report of the last join; null before the first.",
                             "properties": {k: {"type": "number"} for k in
                                            ["joinedFiles", "joinedRows", "pendingFiles", "failedFiles", "joinLagMs"]}},
                },
            }},
            "counters": {"type": "object",
                         "required": ["store", "keys", "maxKeys", "bytesPerKey", "evictions", "failedUpdates"],
                         "properties": {"store": {"type": "string", "enum": ["embedded", "redis"]}} |
                                       {k: {"type": "integer"} for k in
                                        ["keys", "maxKeys", "bytesPerKey", "evictions", "failedUpdates"]}},
        },
    },
    "Scheduler": {
        "type": "object",
        "description": "AdminRoutes.SchedulerView.",
        "required": ["settings", "stats"],
        "properties": {"settings": s("SchedulerSettings"), "stats": s("SchedulerStats")},
        "additionalProperties": False,
    },
    "OverviewPoint": {
        "type": "object",
        "description": "One interval's figures (OverviewSampler.Point); a figure with nothing to divide by is null.",
        "required": ["t", "requestsPerSec", "p50Ms", "p90Ms", "p99Ms", "errorRate", "shedRate", "stageMs",
                     "batchesPerSec", "meanBatchRows", "queueDelayMeanMs", "impressionsPerSec", "ctr",
                     "revenuePerMilleRequests"],
        "properties": {
            "t": {"type": "integer", "description": "End of the interval, epoch ms."},
            "requestsPerSec": {"type": "number"},
            "p50Ms": nullable_number,
            "p90Ms": nullable_number,
            "p99Ms": nullable_number,
            "errorRate": {"type": ["number", "null"], "description": "Share of rank requests answered 4xx/5xx other than 503."},
            "shedRate": {"type": ["number", "null"], "description": "Share of rank requests answered 503."},
            "stageMs": {
                "type": "object",
                "description": "OverviewSampler.StageMs: mean ms per stage over the interval's successful requests.",
                "required": ["retrieval", "features", "scoring", "auction"],
                "properties": {k: nullable_number for k in ["retrieval", "features", "scoring", "auction"]},
                "additionalProperties": False,
            },
            "batchesPerSec": {"type": "number"},
            "meanBatchRows": nullable_number,
            "queueDelayMeanMs": nullable_number,
            "impressionsPerSec": {"type": "number"},
            "ctr": nullable_number,
            "revenuePerMilleRequests": nullable_number,
        },
        "additionalProperties": False,
    },
    "Overview": {
        "type": "object",
        "description": "OverviewSampler.Overview: up to 120 one-second points.",
        "required": ["intervalMs", "now", "series", "batchSizes", "queueDelayMeanMs", "totals"],
        "properties": {
            "intervalMs": {"type": "integer", "const": 1000},
            "now": {"oneOf": [s("OverviewPoint"), {"type": "null"}],
                    "description": "The last 10 s as one point; null before two samples exist."},
            "series": {"type": "array", "items": s("OverviewPoint"), "maxItems": 120, "description": "Oldest first."},
            "batchSizes": {
                "type": "array",
                "description": "Batches scored in the last minute by size bucket (at least up to 1024 rows).",
                "items": {
                    "type": "object",
                    "description": "OverviewSampler.BatchSizes.",
                    "required": ["rowsFrom", "rowsTo", "batches"],
                    "properties": {"rowsFrom": {"type": "integer"}, "rowsTo": {"type": "integer"},
                                   "batches": {"type": "integer", "minimum": 0}},
                    "additionalProperties": False,
                },
            },
            "queueDelayMeanMs": {"type": "number", "description": "Mean since start."},
            "totals": {
                "type": "object",
                "description": "Since start (OverviewSampler.Totals).",
                "required": ["requests", "impressions", "clicks", "conversions", "spend", "batches", "rowsScored",
                             "schedulerShed", "schedulerExpired"],
                "properties": {
                    "requests": {"type": "integer"}, "impressions": {"type": "integer"}, "clicks": {"type": "integer"},
                    "conversions": {"type": "integer"}, "spend": {"type": "number"}, "batches": {"type": "integer"},
                    "rowsScored": {"type": "integer"}, "schedulerShed": {"type": "integer"},
                    "schedulerExpired": {"type": "integer"},
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
    "AdCounters": {
        "type": "object",
        "description": "Events this server acknowledged for one ad since it started (ConsoleRoutes.AdCounters).",
        "required": ["adId", "impressions", "clicks", "conversions", "spend", "ctr"],
        "properties": {
            "adId": {"type": "integer"},
            "impressions": {"type": "integer", "minimum": 0},
            "clicks": {"type": "integer", "minimum": 0},
            "conversions": {"type": "integer", "minimum": 0},
            "spend": {"type": "number", "minimum": 0, "description": "Dollars."},
            "ctr": {"type": ["number", "null"], "description": "Clicks per impression; null before the first impression."},
        },
        "additionalProperties": False,
    },
    "BusiestAds": {
        "type": "object",
        "description": "ConsoleRoutes.BusiestAds.",
        "required": ["ads"],
        "properties": {"ads": {"type": "array", "items": s("AdCounters"),
                               "description": "Most impressions first (ties: lower ad id)."}},
        "additionalProperties": False,
    },
    "AdPaused": {
        "type": "object",
        "description": "Parsed into ConsoleRoutes.PausedUpdate: a JSON object (else 400) whose paused is true or false (else 400).",
        "required": ["paused"],
        "properties": {"paused": {"type": "boolean"}},
        "examples": [{"paused": True}],
    },
    "AdPausedResult": {
        "type": "object",
        "description": "ConsoleRoutes.PausedState: the ad's flag after the change.",
        "required": ["adId", "paused"],
        "properties": {"adId": {"type": "integer"}, "paused": {"type": "boolean"}},
        "additionalProperties": False,
    },
    "User": {
        "type": "object",
        "description": "ConsoleRoutes.UserView.",
        "required": ["id", "country", "device", "age", "interests"],
        "properties": {
            "id": {"type": "string", "pattern": "^u[0-9]+$", "examples": ["u42"]},
            "country": s("Country"),
            "device": s("Device"),
            "age": s("AgeBucket"),
            "interests": {
                "type": "array", "minItems": 3, "maxItems": 3,
                "description": "By weight, highest first.",
                "items": {"type": "object", "description": "ConsoleRoutes.Interest.", "required": ["category", "weight"],
                          "properties": {"category": s("Category"), "weight": {"type": "number"}},
                          "additionalProperties": False},
            },
        },
        "additionalProperties": False,
    },
    "UserList": {
        "type": "object",
        "description": "ConsoleRoutes.UserList.",
        "required": ["users"],
        "properties": {"users": {"type": "array", "items": s("User"), "maxItems": 100}},
        "additionalProperties": False,
    },
    "Vocabulary": {
        "type": "object",
        "description": "The names a rank request's context takes, and the world's other vocabularies (ConsoleRoutes.Vocabulary).",
        "required": ["surfaces", "devices", "countries", "ageBuckets", "creativeTypes", "categories"],
        "properties": {
            "surfaces": {"type": "array", "items": s("Surface")},
            "devices": {"type": "array", "items": s("Device")},
            "countries": {"type": "array", "items": s("Country")},
            "ageBuckets": {"type": "array", "items": s("AgeBucket")},
            "creativeTypes": {"type": "array", "items": s("CreativeType")},
            "categories": {"type": "integer", "const": 50, "description": "The number of categories (ids 0..49), not a list."},
        },
        "additionalProperties": False,
    },
    "Live": {
        "type": "object", "description": "HealthRoutes.Live.", "required": ["status"],
        "properties": {"status": {"type": "string", "const": "live"}}, "additionalProperties": False,
    },
    "DeviceHealth": {
        "type": "object", "additionalProperties": {"type": "string", "enum": ["healthy", "unhealthy"]},
        "description": "Each scoring device's name and health.", "examples": [{"cpu0": "healthy"}],
    },
    "Ready": {
        "type": "object",
        "description": "HealthRoutes.Ready.",
        "required": ["status", "modelVersion", "devices"],
        "properties": {"status": {"type": "string", "const": "ready"}, "modelVersion": {"type": "string", "examples": ["ctr/1"]},
                       "devices": s("DeviceHealth")},
        "additionalProperties": False,
    },
    "NotReady": {
        "type": "object",
        "description": ("An Error (JsonResponses.ErrorBody); with devices (HealthRoutes.NoHealthyDevice) when no healthy "
                        "device can score the active version."),
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "devices": s("DeviceHealth")},
        "additionalProperties": False,
    },
}

# ---------------------------------------------------------------- responses, headers, parameters
responses = {
    "BadRequest": json_body(s("Error"), "Invalid input: the reason names the field.",
                            {"error": "slots: must be within [1, 20], was 0"}),
    "Unauthorized": dict(json_body(s("Error"), ("No Authorization header, or not exactly \"Bearer <admin token>\" (compared "
                                                "in constant time; the scheme is case-sensitive). Answered by Access for "
                                                "every path under /admin/api on the admin listener, known or not, before "
                                                "404/405/415/413 and before any body is read, with a WWW-Authenticate "
                                                "challenge."),
                                   {"error": "missing or wrong admin token: send Authorization: Bearer <token>"}),
                         headers={"WWW-Authenticate": ref("headers", "WWWAuthenticate")}),
    "IngestUnauthorized": dict(json_body(s("Error"), ("No Authorization header with the ingest or the admin token. Events "
                                                      "and ad writes move money and retrieval, and ad reads show bids "
                                                      "and budgets. Checked once the path matches, before the body is "
                                                      "read, with a WWW-Authenticate challenge."),
                                         {"error": "missing or wrong ingest token: send Authorization: Bearer <token>"}),
                               headers={"WWW-Authenticate": ref("headers", "WWWAuthenticate")}),
    "RankUnauthorized": dict(json_body(s("Error"), ("Only when adsml.http.rank-token is set (the ranking API is open by "
                                                    "default): no Authorization header with the rank, ingest or admin "
                                                    "token."),
                                       {"error": "missing or wrong rank token: send Authorization: Bearer <token>"}),
                             headers={"WWW-Authenticate": ref("headers", "WWWAuthenticate")}),
    "DebugForbidden": json_body(s("Error"), ("debug: true without the admin token: every candidate's bid, budget state "
                                             "and price is the advertisers' business, not the public's."),
                                {"error": "debug needs the admin token"}),
    "MethodNotAllowed": json_body(s("Error"), ("The path exists but not for this method (no Allow header is sent). Every "
                                               "GET path under /admin outside /admin/api is one of the admin UI's pages, so "
                                               "another method there is a 405; an unknown path under /admin/api is a 404 "
                                               "whatever the method."),
                                  {"error": "method not allowed here"}),
    "NoSuchRoute": json_body(s("Error"), "No route matches the path (including a path parameter that does not parse).",
                             {"error": "no such route"}),
    "PayloadTooLarge": json_body(s("Error"), "The body is over adsml.http.max-body-bytes (default 1048576).",
                                 {"error": "body larger than 1048576 bytes"}),
    "BodyTimeout": json_body(s("Error"), ("The body did not fully arrive within the listener's body-timeout "
                                          "(adsml.http.public-listener.body-timeout, default 5 s; 30 s on the admin "
                                          "listener) after the headers; the connection is closed."),
                             {"error": "the request body did not arrive within 5000 ms"}),
    "UnsupportedMediaType": json_body(s("Error"), ("The body is not declared Content-Type: application/json (JsonBody). "
                                                   "No header at all counts as application/octet-stream."),
                                      {"error": "expected Content-Type: application/json, got text/plain"}),
    "InternalError": json_body(s("Error"), "Any other failure; the body never names classes or paths.",
                               {"error": "internal error"}),
    "Unavailable": {
        "description": ("Cannot serve now (ErrorMapping): the registry did not answer within adsml.http.admin-timeout (or "
                        "model-load-timeout for a load), or the server is stopping; come back after Retry-After."),
        "headers": {"Retry-After": ref("headers", "RetryAfter")},
        "content": {"application/json": {"schema": s("Error")}},
    },
}

headers = {
    "RetryAfter": {"description": "Seconds to wait before retrying (delta-seconds, at least 1).",
                   "schema": {"type": "integer", "minimum": 1}},
    "WWWAuthenticate": {"description": "The bearer challenge of the admin API.",
                        "schema": {"type": "string", "const": "Bearer realm=\"adsml-admin\""}},
    "CacheControl": {"description": "public, max-age=31536000, immutable under /admin/assets/; no-cache for every other file and page.",
                     "schema": {"type": "string", "enum": ["public, max-age=31536000, immutable", "no-cache"]}},
    "XContentTypeOptions": {"schema": {"type": "string", "const": "nosniff"}},
    "XFrameOptions": {"schema": {"type": "string", "const": "DENY"}},
    "ReferrerPolicy": {"schema": {"type": "string", "const": "no-referrer"}},
}

parameters = {
    "AdIdPath": {
        "name": "id", "in": "path", "required": True,
        "description": "Digits only (no sign); a negative, non-numeric or over-2147483647 id matches no route (404 no such route).",
        "schema": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 2147483647},
    },
    "ListLimit": {
        "name": "limit", "in": "query", "required": False,
        "description": "Parsed with Integer.parseInt; outside [1, 100] or not an integer: 400.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
    "ModelName": {
        "name": "name", "in": "path", "required": True,
        "description": "A model name: letters, digits, _ . - (not starting with . or -), up to 64 characters.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"},
    },
    "ModelVersion": {
        "name": "version", "in": "path", "required": True,
        "description": "A version folder name, same rules as name (usually a number).",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$", "examples": ["1"]},
    },
}

security_schemes = {
    "rankToken": {
        "type": "http", "scheme": "bearer",
        "description": ("adsml.http.rank-token (or --rank-token, --rank-token-file, ADSML_RANK_TOKEN); empty by "
                        "default, which leaves the ranking API open. The ingest and admin tokens rank too."),
    },
    "ingestToken": {
        "type": "http", "scheme": "bearer",
        "description": ("adsml.http.ingest-token (or --ingest-token, --ingest-token-file, ADSML_INGEST_TOKEN): events, "
                        "ad writes and the ad reads that show bids and budgets. When empty the server generates one "
                        "at start-up and prints it; a configured token is never printed. The admin token may do all "
                        "that this one may."),
    },
    "adminToken": {
        "type": "http", "scheme": "bearer",
        "description": ("adsml.http.admin-token (or --admin-token); when empty the server generates one at start-up "
                        "and prints it. Sent as Authorization: Bearer <token>, matched byte for byte."),
    }
}

ui_headers = {"Cache-Control": ref("headers", "CacheControl"), "X-Content-Type-Options": ref("headers", "XContentTypeOptions"),
              "X-Frame-Options": ref("headers", "XFrameOptions"), "Referrer-Policy": ref("headers", "ReferrerPolicy")}
index_html = {
    "description": "The admin UI's index.html (its script asks for the token and picks the page from the address).",
    "headers": ui_headers,
    "content": {"text/html": {"schema": {"type": "string"}}},
}
ui_not_built = json_body(s("Error"), "The admin UI is not in this build (the admin-ui module was not built).",
                         {"error": "the admin UI is not in this build: build the admin-ui module (mvn package runs npm)"})
no_such_file = json_body(s("Error"), "No such file in the bundle, or a segment that is not [A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}.",
                         {"error": "no such file"})

# ---------------------------------------------------------------- paths
paths = {}

paths["/v1/rank"] = path_item(
    "RankRoutes.routes. Answered on both listeners.",
    {"post": op(
        "rank", "rank", "Rank ads for one request",
        ("Validates the body, stamps the deadline and asks a ranking coordinator; answers the winning ads with the model "
         "version, candidate counts and stage timings. An unknown user is served as a cold start. " + JSON_BODY),
        {
            "200": json_body(s("RankResponse"), "The ranked ads (possibly none)."),
            "400": r("BadRequest"),
            "408": r("BodyTimeout"), "413": r("PayloadTooLarge"),
            "415": r("UnsupportedMediaType"),
            "500": {"description": ("Any failure that is not a \"cannot serve now\" (a bug); the body never names "
                                    "classes or paths."),
                    "content": {"application/json": {"schema": s("Error"), "example": {"error": "internal error"}}}},
            "503": {
                "description": ("Cannot serve now, with Retry-After; the reason says which: as many rank requests in "
                                "progress as the admission limit allows (learned from latency, at most "
                                "adsml.http.max-in-flight-ranks; Retry-After 1); the scheduler's queue full, or the "
                                "deadline unreachable or already passed at admission (Retry-After: the scheduler's "
                                "estimate of the backlog); the deadline passed before or while ranking (1); no active "
                                "model version (5); the version retired under the request (1); no healthy device can "
                                "score the version, each holding it quarantined after a failed batch (Retry-After: until "
                                "the next probe of one); the version found faulty on this batch, and being rolled back "
                                "(1); "
"the coordinator did not answer within deadlineMs + 1 s (1)."),
                "headers": {"Retry-After": ref("headers", "RetryAfter")},
                "content": {"application/json": {"schema": s("Error"), "examples": {
                    "inFlight": {"value": {"error": "40 rank requests already in progress, as many as finish in time now"}},
                    "queueFull": {"value": {"error": "queue full: 32000 rows queued, a LIVE job of 1000 rows would pass the bound of 32768"}},
                    "deadline": {"value": {"error": "deadline of the request passed before it was ranked"}},
                    "noModel": {"value": {"error": "no model version is active"}},
                    "retired": {"value": {"error": "model version ctr/1 is retired"}},
                    "noDevice": {"value": {"error": "no healthy device can score ctr/1"}},
                    "timeout": {"value": {"error": "the server could not answer in time"}},
                }}},
            },
        },
        request_body={"required": True, "description": JSON_BODY_REQUEST,
                      "content": {"application/json": {"schema": s("RankRequest")}}},
    )},
)

paths["/v1/events"] = path_item(
    "EventRoutes.routes. Answered on both listeners.",
    {"post": op(
        "postEvents", "events", "Log a batch of impressions, clicks and conversions",
        ("The whole batch is validated first (one bad event refuses the batch, naming it), then appended durably to "
         "the event log; only then the 200. Events whose eventId the log already holds are acknowledged as "
         "duplicates without being logged again, so a batch may be retried safely. Positive costs of new events are "
         "charged to the ads' campaign budgets. " + JSON_BODY),
        {
            "200": json_body(s("EventsAccepted"), "Every event of the batch is stored.",
                             {"accepted": 2, "appended": 1, "duplicates": 1}),
            "400": r("BadRequest"),
            "408": r("BodyTimeout"), "413": r("PayloadTooLarge"),
            "415": r("UnsupportedMediaType"),
            "500": r("InternalError"),
            "503": {"description": ("Nothing of the batch was acknowledged; send it again after Retry-After: "
                                    "adsml.actors.event-log.max-in-flight-batches (64) batches already wait for the "
                                    "log, the log cannot write (a full disk; the reason is given, and /health/ready "
                                    "is 503 too), or it did not confirm the batch within adsml.http.events-timeout (10 s)."),
                    "headers": {"Retry-After": ref("headers", "RetryAfter")},
                    "content": {"application/json": {"schema": s("Error"), "examples": {
                        "busy": {"value": {"error": "too many event batches in progress (64); nothing of this batch "
                                                    "was acknowledged"}},
                        "cannotWrite": {"value": {"error": "the event log cannot write: writing failed (No space left "
                                                           "on device); nothing of this batch was acknowledged"}},
                        "timeout": {"value": {"error": "events not stored; nothing of this batch was acknowledged"}}}}}},
        },
        request_body={"required": True, "description": JSON_BODY_REQUEST,
                      "content": {"application/json": {"schema": s("EventBatch")}}},
    )},
)

ad_404 = json_body(s("Error"), "No ad with this id (a path id that does not parse answers \"no such route\").",
                   {"error": "no ad 17"})
paths["/v1/ads/{id}"] = path_item(
    "AdRoutes.routes. Answered on both listeners.",
    {
        "parameters": [ref("parameters", "AdIdPath")],
        "get": op("getAd", "ads", "Read an ad with its campaign and today's spend",
                  "Reads the index.",
                  {"200": json_body(s("Ad"), "The ad."), "404": ad_404, "500": r("InternalError")}),
        "put": op("putAd", "ads", "Create or replace an ad",
                  ("Upserts the ad into the index (every change is seen at once); a new ad must take the next id "
                   "(id within [0, current index size], else 400). Answers 200 with the ad for a new ad too (never 201). "
                   + JSON_BODY),
                  {"200": json_body(s("Ad"), "The ad as stored."), "400": r("BadRequest"), "404": r("NoSuchRoute"),
                   "408": r("BodyTimeout"), "413": r("PayloadTooLarge"), "415": r("UnsupportedMediaType"), "500": r("InternalError"),
                   "503": {"description": "Only while the server shuts down (the write executor refuses work).",
                           "headers": {"Retry-After": ref("headers", "RetryAfter")},
                           "content": {"application/json": {"schema": s("Error")}}}},
                  request_body={"required": True, "description": JSON_BODY_REQUEST,
                                "content": {"application/json": {"schema": s("AdUpsert")}}}),
        "delete": op("pauseAd", "ads", "Pause an ad (it is not deleted)",
                     "Sets the ad's paused flag; answers the ad. Resume with PUT (paused: false) or the admin API.",
                     {"200": json_body(s("Ad"), "The ad, now paused."), "404": ad_404, "500": r("InternalError")}),
    },
)

paths["/health/live"] = path_item(
    "HealthRoutes.routes. Answered on both listeners.",
    {"get": op("live", "health", "Liveness: the process answers",
               "Answers 200 from the moment the listener is bound, during model loading too.",
               {"200": json_body(s("Live"), "Alive.", {"status": "live"})})},
)

paths["/health/ready"] = path_item(
    "HealthRoutes.routes. Answered on both listeners.",
    {"get": op("ready", "health", "Readiness: a writable event log, a warm model version and a healthy device",
               ("200 once the event log has been read back (event ids and today's spend rebuilt) and can write, "
                "start-up has warmed the request path, a model version is active and at least one device it is "
                "loaded on is healthy. While the event log cannot write (it cannot open its file, a write or a force "
                "failed, the disk is full) the 503 names why; it turns 200 again once a retry's probe write passes. "
                "The 503 carries no Retry-After."),
               {"200": json_body(s("Ready"), "Traffic may come.",
                                 {"status": "ready", "modelVersion": "ctr/1", "devices": {"cpu0": "healthy"}}),
                "503": {"description": "Not ready (no Retry-After header).",
                        "content": {"application/json": {"schema": s("NotReady"), "examples": {
                            "starting": {"value": {"error": "starting: loading the model and warming the request path"}},
                            "noModel": {"value": {"error": "no model version is active yet"}},
                            "eventLog": {"value": {"error": "the event log cannot write: writing failed (No space left "
                                                            "on device)"}},
                            "noDevice": {"value": {"error": "no healthy device can score ctr/1",
                                                   "devices": {"gpu0": "unhealthy"}}}}}}},
                "500": r("InternalError")})},
)

paths["/metrics"] = path_item(
    "HealthRoutes.routes. Answered on both listeners.",
    {"get": op("metrics", "metrics", "Prometheus metrics",
               ("Prometheus text exposition (Micrometer): adsml_rank_latency_seconds and adsml_rank_stage_seconds "
                "histograms, adsml_rank_requests_total{status,model_version}, adsml_events_total{type}, "
                "adsml_http_bad_requests_total, the scheduler's queue, batches, batch sizes, queue delay, shed and expired "
                "counts, adsml_scheduler_device_healthy{device}, and JVM memory and GC. Served as "
                "text/plain; charset=UTF-8 (without the exposition format's version parameter)."),
               {"200": {"description": "The scrape.",
                        "content": {"text/plain": {"schema": {"type": "string"}}}},
                "500": r("InternalError")})},
)

paths["/openapi.json"] = path_item(
    "This document, the class-path resource adsml/http/openapi.json.",
    {"get": op("getOpenApi", "docs", "This OpenAPI document",
               "Answers this OpenAPI 3.1 description of both listeners.",
               {"200": {"description": "The document.",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                "500": r("InternalError")})},
)

# -------- admin UI
ui_desc = ("AdminUiRoutes.routes, admin listener only, no token needed. GET only: any other "
           "method answers 405.")
paths["/admin"] = path_item(
    ui_desc + " Redirect.",
    {"get": op("adminUiRedirect", "admin", "Redirect to the admin UI",
               "Permanent redirect to /admin/.",
               {"301": {"description": "Moved permanently.",
                        "headers": {"Location": {"schema": {"type": "string", "const": "/admin/"}}},
                        "content": {"text/html": {"schema": {"type": "string"}}}}})},
    admin=True,
)
paths["/admin/"] = path_item(
    ui_desc + " The UI's entry page.",
    {"get": op("adminUi", "admin", "The admin UI",
               "index.html of the admin web UI.",
               {"200": index_html, "404": ui_not_built, "500": r("InternalError")})},
    admin=True,
)
paths["/admin/index.html"] = path_item(
    ui_desc + " Same as /admin/.",
    {"get": op("adminUiIndex", "admin", "The admin UI's index.html",
               "index.html of the admin web UI.",
               {"200": index_html, "404": ui_not_built, "500": r("InternalError")})},
    admin=True,
)
paths["/admin/favicon.svg"] = path_item(
    ui_desc + " A file of the bundle.",
    {"get": op("adminUiFavicon", "admin", "The admin UI's icon",
               "image/svg+xml, Cache-Control: no-cache.",
               {"200": {"description": "The icon.", "headers": ui_headers,
                        "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
                "404": no_such_file, "500": r("InternalError")})},
    admin=True,
)
paths["/admin/assets/{file}"] = path_item(
    ui_desc + " The bundle's hashed assets.",
    {"get": op("adminUiAsset", "admin", "A hashed asset of the admin UI",
               ("A script, stylesheet or other file of the Vite bundle, with its content type by extension (js, css, "
                "json, svg, png, ico, woff2, map, txt, html; anything else application/octet-stream) and "
                "Cache-Control: public, max-age=31536000, immutable. A name without a dot is a UI page (index.html)."),
               {"200": {"description": "The file.", "headers": ui_headers,
                        "content": {"text/javascript": {"schema": {"type": "string"}},
                                    "text/css": {"schema": {"type": "string"}},
                                    "application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
                "404": no_such_file, "500": r("InternalError")},
               parameters=[{"name": "file", "in": "path", "required": True,
                            "description": "e.g. index-LW83tHCl.js",
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$"}}])},
    admin=True,
)
paths["/admin/{page}"] = path_item(
    (ui_desc + " Client-side pages: any path under /admin/ other than /admin/api..., "
     "whose last segment has no dot (or that ends in a slash), at any depth, answers index.html; a last segment with a "
     "dot is a file of the bundle."),
    {"get": op("adminUiPage", "admin", "A page of the admin UI (index.html)",
               "The UI's pages are overview, models, explain and ads; any other name also answers index.html, whose script picks the page.",
               {"200": index_html, "404": json_body(s("Error"), "A segment outside [A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}, a missing file, or the UI not built."),
                "500": r("InternalError")},
               parameters=[{"name": "page", "in": "path", "required": True,
                            "description": "A UI page; not api.",
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$",
                                       "examples": ["overview", "models", "explain", "ads"]}}])},
    admin=True,
)

# -------- admin API
admin_desc = "Admin listener only, Authorization: Bearer <admin token> (Access, checked before anything else)."
paths["/admin/api/models"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {"get": op("listModels", "admin", "List model versions",
               ("Every version the registry knows, its state, when, and its validation or failure; onDisk, the versions "
                "the models folder holds, loaded or not; and live, each serving version's requests, impressions, "
                "clicks, conversions, revenue, CTR, RPM and calibration since start and over a recent window."),
               {"200": json_body(s("ModelList"), "The versions."), "500": r("InternalError"),
                "503": r("Unavailable")},
               admin_api=True)},
    admin=True,
)
paths["/admin/api/models/rollback"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {"post": op("rollbackModel", "admin", "Re-activate the previous version",
                ("Activates the version that was active before the current one. No body is read. The registry's "
                 "refusal (nothing to roll back to, or it is no longer loaded) is mapped by ErrorMapping to 409."),
                {"200": json_body(s("ModelVersion"), "The version now active."),
                 "409": json_body(s("Error"), "Nothing to roll back to, or it is no longer loaded.",
                                  {"error": "no previous version to roll back to"}),
                 "500": r("InternalError"),
                 "503": r("Unavailable")},
                admin_api=True)},
    admin=True,
)
paths["/admin/api/models/{name}/{version}/load"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {
        "parameters": [ref("parameters", "ModelName"), ref("parameters", "ModelVersion")],
        "post": op("loadModel", "admin", "Load, validate and warm a version from the models folder",
                   ("Loads models/<name>/<version>/ on every device, validates it (a golden batch against the reference) "
                    "and warms it; waits up to adsml.http.model-load-timeout (5 min). Already READY or ACTIVE: answers it "
                    "at once. No body is read. The registry's refusals are mapped by ErrorMapping: a bad name 400, no "
                    "such version 404, a state that forbids it 409."),
                   {"200": json_body(s("ModelVersion"), "The version, READY (or ACTIVE)."),
                    "400": json_body(s("Error"), "A name or version outside the pattern, or one that resolves or links outside the models folder.",
                                     {"error": "'..' is not a model or version name (letters, digits, _ . -)"}),
                    "404": json_body(s("Error"), "No such folder in the models folder.",
                                     {"error": "no version ctr/9 in the models folder"}),
                    "409": json_body(s("Error"), "Loading or validation failed.",
                                     {"error": "ctr/2 failed: <reason>"}),
                    "500": r("InternalError"),
                    "503": r("Unavailable")},
                   admin_api=True),
    },
    admin=True,
)
paths["/admin/api/models/{name}/{version}/activate"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {
        "parameters": [
            {"name": "name", "in": "path", "required": True, "description": "Any segment; not checked against a pattern here (unknown: 404).",
             "schema": {"type": "string", "minLength": 1}},
            {"name": "version", "in": "path", "required": True, "description": "Any segment; unknown: 404.",
             "schema": {"type": "string", "minLength": 1}},
        ],
        "post": op("activateModel", "admin", "Make a loaded version the active one",
                   ("An atomic swap; in-flight work finishes on the version it started with. No body is read. The "
                    "registry's refusals are mapped by ErrorMapping (no such version 404, a state that forbids it 409)."),
                   {"200": json_body(s("ModelVersion"), "The version, now ACTIVE."),
                    "404": json_body(s("Error"), "The version was never loaded.", {"error": "ctr/9 was never loaded"}),
                    "409": json_body(s("Error"), "Known but not loaded (LOADING, WARMING, FAILED, DRAINING, UNLOADED).",
                                     {"error": "ctr/2 is not loaded (it is FAILED)"}),
                    "500": r("InternalError"),
                    "503": r("Unavailable")},
                   admin_api=True),
    },
    admin=True,
)
paths["/admin/api/models/{name}/{version}/canary"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {
        "parameters": [
            {"name": "name", "in": "path", "required": True, "description": "Any segment; unknown: 404.",
             "schema": {"type": "string", "minLength": 1}},
            {"name": "version", "in": "path", "required": True, "description": "Any segment; unknown: 404.",
             "schema": {"type": "string", "minLength": 1}},
        ],
        "post": op("startCanary", "admin", "Have a loaded version score a share of the users",
                   ("The version scores the users whose id hashes below the share, beside the active version, until "
                    "it is activated (promoted), another canary replaces it or DELETE /admin/api/models/canary ends "
                    "it; a user sees one version while it runs. No body is read."),
                   {"200": json_body(s("ModelVersion"), "The version, READY, its detail naming the share."),
                    "400": json_body(s("Error"), "No share, or one outside (0, 1).",
                                     {"error": "share: a number within (0, 1), the canary's part of the users, was '2'"}),
                    "404": json_body(s("Error"), "The version was never loaded.", {"error": "ctr/9 was never loaded"}),
                    "409": json_body(s("Error"), "Not loaded, or the active version.",
                                     {"error": "ctr/2 is the active version"}),
                    "500": r("InternalError"),
                    "503": r("Unavailable")},
                   parameters=[{"name": "share", "in": "query", "required": True,
                                "description": "The canary's part of the users, within (0, 1).",
                                "schema": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}}],
                   admin_api=True),
    },
    admin=True,
)
paths["/admin/api/models/canary"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {"delete": op("endCanary", "admin", "End the canary",
                  "Every user back on the active version; the canary version stays READY. No body is read.",
                  {"200": json_body(s("ModelVersion"), "The version that was the canary."),
                   "409": json_body(s("Error"), "No canary runs.", {"error": "no canary runs"}),
                   "500": r("InternalError"),
                   "503": r("Unavailable")},
                  admin_api=True)},
    admin=True,
)
paths["/admin/api/models/{name}/{version}/shadow"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {
        "parameters": [
            {"name": "name", "in": "path", "required": True, "description": "Any segment; unknown: 404.",
             "schema": {"type": "string", "minLength": 1}},
            {"name": "version", "in": "path", "required": True, "description": "Any segment; unknown: 404.",
             "schema": {"type": "string", "minLength": 1}},
        ],
        "post": op("startShadow", "admin", "Have a loaded version score live requests in shadow",
                   ("After each request's live scores are back, the version scores the same rows as shadow work "
                    "(shed first when live work queues, never waited for); its scores are never shown, only compared "
                    "in GET /admin/api/models' shadowFigures. One shadow at a time: a new one replaces it; activating "
                    "it or DELETE /admin/api/models/shadow ends it. It must read the active version's feature set. "
                    "No body is read."),
                   {"200": json_body(s("ModelVersion"), "The version, READY, its detail saying it is the shadow."),
                    "404": json_body(s("Error"), "The version was never loaded.", {"error": "ctr/9 was never loaded"}),
                    "409": json_body(s("Error"), ("Not loaded, the active version, no version active, or another "
                                                  "feature set than the active version's."),
                                     {"error": "ctr/2 is the active version"}),
                    "500": r("InternalError"),
                    "503": r("Unavailable")},
                   admin_api=True),
    },
    admin=True,
)
paths["/admin/api/models/shadow"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {"delete": op("endShadow", "admin", "End the shadow",
                  "No request is scored in shadow any more; the version stays READY. No body is read.",
                  {"200": json_body(s("ModelVersion"), "The version that was the shadow."),
                   "409": json_body(s("Error"), "No shadow runs.", {"error": "no shadow runs"}),
                   "500": r("InternalError"),
                   "503": r("Unavailable")},
                  admin_api=True)},
    admin=True,
)
paths["/admin/api/scheduler"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {
        "get": op("getScheduler", "admin", "Scheduler knobs and counters",
                  "The batching scheduler's settings and its cumulative counters.",
                  {"200": json_body(s("Scheduler"), "Settings and stats."), "500": r("InternalError")},
                  admin_api=True),
        "put": op("putScheduler", "admin", "Change scheduler knobs at run time",
                  "Applies the fields present, all or nothing; answers the new settings and stats. " + JSON_BODY,
                  {"200": json_body(s("Scheduler"), "Settings and stats after the change."), "400": r("BadRequest"),
                   "408": r("BodyTimeout"), "413": r("PayloadTooLarge"), "415": r("UnsupportedMediaType"), "500": r("InternalError")},
                  request_body={"required": True, "description": JSON_BODY_REQUEST,
                                "content": {"application/json": {"schema": s("SchedulerSettingsUpdate")}}},
                  admin_api=True),
    },
    admin=True,
)
paths["/admin/api/loop"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {
        "get": op("getLoopRounds", "admin", "The learning loop's rounds",
                  ("Each round of the learning loop running in this process (adsml demo --loop): the retrained "
                   "version, replay's estimate of it, its baseline's logged RPM, the effective sample size, what its "
                   "canary realized, and whether it was promoted and why. In memory, the last 1000."),
                  {"200": json_body(s("LoopRounds"), "The rounds."), "500": r("InternalError")},
                  admin_api=True),
    },
    admin=True,
)
paths["/admin/api/feature-log"] = path_item(
    "AdminRoutes.routes. " + admin_desc,
    {
        "get": op("getFeatureLog", "admin", "The feature log and the real-time counters",
                  ("Each feature set's served-rows log (rows written, rows per second, bytes, files, dropped and "
                   "failed batches, last error), its last join into training examples (files and rows joined, files "
                   "waiting for their attribution window, join lag), and the counter store (keys, bound, bytes per "
                   "key, evictions, updates it refused)."),
                  {"200": json_body(s("FeatureLogStatus"), "The figures."), "500": r("InternalError")},
                  admin_api=True),
    },
    admin=True,
)
paths["/admin/api/overview"] = path_item(
    "ConsoleRoutes.routes. " + admin_desc,
    {"get": op("getOverview", "admin", "Serving figures as time series",
               "One point per second over the last two minutes, a 10 s headline, batch sizes over the last minute, totals since start.",
               {"200": json_body(s("Overview"), "The overview."), "500": r("InternalError")},
               admin_api=True)},
    admin=True,
)
paths["/admin/api/simulations/latest"] = path_item(
    "ConsoleRoutes.routes. " + admin_desc,
    {"get": op("getLatestSimulation", "admin", "The newest simulated day of this data folder",
               "What `adsml simulate --data DIR --json` printed for its newest run on this server's data folder: "
               "requests, CTR, CVR, revenue, RPM and the oracle's, pacing (paced campaigns, budget utilization, RMSE "
               "against the traffic curve, campaigns out before 18:00), overspend, frequency-cap violations, "
               "same-advertiser pairs, and the same per hour.",
               {"200": {"description": "The day's figures, as the simulation wrote them.",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                "404": json_body(s("Error"), "No simulated day yet: adsml simulate has not run on this data folder.",
                                 {"error": "no simulated day yet: run 'adsml simulate --data DIR' on this data folder"}),
                "500": r("InternalError")},
               admin_api=True)},
    admin=True,
)
paths["/admin/api/vocabulary"] = path_item(
    "ConsoleRoutes.routes. " + admin_desc,
    {"get": op("getVocabulary", "admin", "The vocabularies a rank request's context takes",
               "Surfaces, devices, countries, age buckets, creative types and the number of categories.",
               {"200": json_body(s("Vocabulary"), "The vocabularies."), "500": r("InternalError")},
               admin_api=True)},
    admin=True,
)
paths["/admin/api/ads/busiest"] = path_item(
    "ConsoleRoutes.routes. " + admin_desc,
    {"get": op("getBusiestAds", "admin", "The ads with the most impressions",
               "From the events this server acknowledged since it started.",
               {"200": json_body(s("BusiestAds"), "Most impressions first."), "400": r("BadRequest"), "500": r("InternalError")},
               parameters=[dict(ref("parameters", "ListLimit"), description="Ads to list, 1..100; default 10.")],
               admin_api=True)},
    admin=True,
)
paths["/admin/api/ads/{id}/counters"] = path_item(
    "ConsoleRoutes.routes. " + admin_desc,
    {
        "parameters": [ref("parameters", "AdIdPath")],
        "get": op("getAdCounters", "admin", "An ad's live event counters",
                  "Zeros for an ad of the index that has had no event.",
                  {"200": json_body(s("AdCounters"), "The counters."), "404": ad_404, "500": r("InternalError")},
                  admin_api=True),
    },
    admin=True,
)
paths["/admin/api/ads/{id}/paused"] = path_item(
    "ConsoleRoutes.routes. " + admin_desc,
    {
        "parameters": [ref("parameters", "AdIdPath")],
        "put": op("setAdPaused", "admin", "Pause or resume an ad",
                  "Sets the ad's paused flag. " + JSON_BODY,
                  {"200": json_body(s("AdPausedResult"), "The flag now.", {"adId": 17, "paused": True}),
                   "400": json_body(s("Error"), "Not a JSON object, or paused missing or not a boolean.",
                                    {"error": "paused: expected true or false"}),
                   "404": ad_404, "408": r("BodyTimeout"), "413": r("PayloadTooLarge"), "415": r("UnsupportedMediaType"), "500": r("InternalError")},
                  request_body={"required": True, "description": JSON_BODY_REQUEST,
                                "content": {"application/json": {"schema": s("AdPaused")}}},
                  admin_api=True),
    },
    admin=True,
)
users_503 = {"description": "Only while the server shuts down (the blocking executor refuses work).",
             "headers": {"Retry-After": ref("headers", "RetryAfter")},
             "content": {"application/json": {"schema": s("Error")}}}
paths["/admin/api/users"] = path_item(
    "ConsoleRoutes.routes. " + admin_desc,
    {"get": op("listUsers", "admin", "The first users of the feature store",
               "Users u0..u(limit-1) that the store holds (it may list fewer).",
               {"200": json_body(s("UserList"), "The users."), "400": r("BadRequest"), "500": r("InternalError"),
                "503": users_503},
               parameters=[dict(ref("parameters", "ListLimit"), description="Users to look up, 1..100; default 20.")],
               admin_api=True)},
    admin=True,
)
paths["/admin/api/users/{id}"] = path_item(
    "ConsoleRoutes.routes. " + admin_desc,
    {"get": op("getUser", "admin", "One user of the feature store",
               "A user's country, device, age bucket and weighted interests.",
               {"200": json_body(s("User"), "The user."),
                "404": json_body(s("Error"), "Not u<digits>, or not in the store (a rank request for it is a cold start).",
                                 {"error": "no user 'visitor' in the feature store: a rank request for it is served as a cold start"}),
                "500": r("InternalError"), "503": users_503},
               parameters=[{"name": "id", "in": "path", "required": True,
                            "description": "A user key as in rank requests: \"u\" and digits; any segment is accepted (others answer 404).",
                            "schema": {"type": "string", "examples": ["u42"]}}],
               admin_api=True)},
    admin=True,
)

# Who may call the public routes (the admin API's security is set by op(..., admin_api=True)).
INGEST_SEC = [{"ingestToken": []}, {"adminToken": []}]
RANK_SEC = [{}, {"rankToken": []}, {"ingestToken": []}, {"adminToken": []}]
for path, method in [("/v1/events", "post"), ("/v1/ads/{id}", "get"), ("/v1/ads/{id}", "put"), ("/v1/ads/{id}", "delete")]:
    operation = paths[path][method]
    operation["security"] = INGEST_SEC
    operation["responses"] = dict(sorted({**operation["responses"], "401": r("IngestUnauthorized")}.items()))
rank_operation = paths["/v1/rank"]["post"]
rank_operation["security"] = RANK_SEC
rank_operation["responses"] = dict(sorted({**rank_operation["responses"], "401": r("RankUnauthorized"),
                                           "403": r("DebugForbidden")}.items()))

doc = {
    "openapi": "3.1.0",
    "info": {
        "title": "adsml",
        "version": "0.1.0",
        "description": ("adsml serves ad ranking over HTTP on two listeners: public (default 0.0.0.0:8080) and admin "
                        "(default 127.0.0.1:8081). The admin listener also answers the public routes, and alone serves "
                        "the admin UI at /admin/ and the admin API under /admin/api; /admin/api/* needs "
                        "`Authorization: Bearer <admin token>` (else 401 with WWW-Authenticate: Bearer realm=\"adsml-admin\"). "
                        "Events, ad writes and ad reads need the ingest token (or the admin one); /v1/rank is open "
                        "unless a rank token is set, and its debug needs the admin token. "
                        "Every error is JSON {\"error\": reason}: 404 for an unknown path, 405 for a wrong method (listed "
                        "per path under x-other-methods), 415 for a body not declared Content-Type: application/json, 413 "
                        "for one over the size limit, 400 naming the field at fault, 503 with Retry-After whenever the "
                        "server cannot serve now, 500 (\"internal error\") for anything else. Object properties are "
                        "listed in the order the server writes them."),
    },
    "servers": [
        {"url": "http://127.0.0.1:8080", "description": "public listener (adsml.http.host:port, default 0.0.0.0:8080)"},
        {"url": "http://127.0.0.1:8081", "description": "admin listener (adsml.http.admin-host:admin-port, default 127.0.0.1:8081)"},
    ],
    "tags": [
        {"name": "rank", "description": "Ranking ads for a request."},
        {"name": "events", "description": "Impressions, clicks and conversions."},
        {"name": "ads", "description": "The ad index."},
        {"name": "health", "description": "Liveness and readiness."},
        {"name": "metrics", "description": "Prometheus metrics."},
        {"name": "admin", "description": "Admin listener: the web UI (no token) and /admin/api (bearer token)."},
        {"name": "docs", "description": "This document."},
    ],
    "paths": paths,
    "components": {
        "schemas": schemas,
        "responses": responses,
        "parameters": parameters,
        "headers": headers,
        "securitySchemes": security_schemes,
    },
}

import re


def strip_lines(n):
    """Class names stay in the descriptions; line numbers would go stale."""
    if isinstance(n, dict):
        return {k: strip_lines(v) for k, v in n.items()}
    if isinstance(n, list):
        return [strip_lines(v) for v in n]
    if isinstance(n, str):
        return re.sub(r" \(([A-Za-z]+\.java):[0-9-]+\)", "", n)
    return n


doc = strip_lines(doc)

with open(OUT, "w") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
    f.write("\n")
