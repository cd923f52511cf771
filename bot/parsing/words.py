"""The word lists the rules lean on: job titles, event words, company endings, leading verbs.

Lists, not a lookup of phrasings: each is a closed class of everyday words (a role, a kind of
gathering, a legal form) that tells one field from another.
"""

from __future__ import annotations

import re

# Roles that are a title on their own, as people abbreviate them.
TITLE_ACRONYMS = {
    "ceo", "cfo", "cto", "coo", "cmo", "cio", "cpo", "cro", "cso", "cdo", "cco", "chro", "ciso", "vp", "svp",
    "evp", "avp", "md", "gm", "hr", "pm", "em", "ae", "sdr", "bdr", "cxo", "gc", "vc",
}  # fmt: skip
# Words a title is made of (the first word of "Head of Growth", "Senior Engineer", "Managing Partner").
TITLE_WORDS = {
    "founder", "co-founder", "cofounder", "owner", "president", "chairman", "chairwoman", "chair",
    "director", "head", "chief", "manager", "lead", "partner", "principal", "associate", "analyst",
    "engineer", "developer", "designer", "consultant", "advisor", "adviser", "architect", "investor",
    "recruiter", "officer", "secretary", "treasurer", "editor", "journalist", "reporter", "producer",
    "senior", "junior", "staff", "executive", "assistant", "coordinator", "specialist",
    "strategist", "scientist", "researcher", "professor", "lecturer", "teacher", "coach", "mentor",
    "accountant", "lawyer", "attorney", "counsel", "banker", "broker", "agent", "realtor", "trainer",
    "intern", "ambassador", "evangelist", "marketer", "salesperson", "rep", "representative",
    "controller", "administrator", "admin", "supervisor", "entrepreneur", "solopreneur", "freelancer",
    "photographer", "writer", "author", "dean", "provost", "vice", "deputy", "interim", "acting",
    "global", "regional", "country", "general", "managing", "product", "program", "project",
    "operations", "ops", "sales", "marketing", "growth", "engineering", "finance", "cofounding",
    "board", "member", "fellow", "doctor", "nurse", "surgeon", "pharmacist", "dentist", "ceo/founder",
    "curator", "librarian", "pilot", "chef", "artist", "musician", "buyer", "planner", "auditor", "actuary",
    "economist", "programmer", "technician", "therapist", "psychologist", "vet", "superintendent",
    "mayor", "councillor", "councilor", "senator", "minister", "diplomat",
}  # fmt: skip
# After these, "of X" names the company ("founder of Acme"); after the others it is the title's own
# ("Head of Growth", "VP of Sales", "Director of Engineering").
OF_COMPANY_AFTER = {
    "founder", "co-founder", "cofounder", "owner", "ceo", "cfo", "cto", "coo", "cmo", "president",
    "chairman", "chair", "partner", "md", "gm", "investor",
}  # fmt: skip
# The department words that may follow "Head of", "VP", "Director of"…
DEPARTMENTS = {
    "sales", "marketing", "growth", "engineering", "product", "finance", "operations", "ops", "hr",
    "people", "talent", "design", "data", "it", "security", "legal", "partnerships", "bd",
    "business development", "customer success", "cs", "strategy", "research", "procurement", "brand",
    "communications", "comms", "content", "community", "revenue", "platform", "infrastructure", "ai",
    "technology", "tech", "innovation", "investments", "emea", "apac", "americas", "europe", "latam",
    "digital", "ecommerce", "e-commerce", "supply chain", "logistics", "risk", "compliance", "treasury",
}  # fmt: skip

# Kinds of gathering (and places) that make "at X" an event rather than an employer.
EVENT_WORDS = {
    "mixer", "meetup", "meet-up", "summit", "conference", "conf", "expo", "fair", "party", "dinner",
    "lunch", "breakfast", "brunch", "coffee", "drinks", "happy", "networking", "event", "forum",
    "congress", "webinar", "workshop", "hackathon", "gala", "reception", "chamber", "show", "festival",
    "fest", "week", "night", "session", "talk", "panel", "launch", "offsite", "retreat", "airport",
    "hotel", "bar", "cafe", "café", "restaurant", "pub", "gym", "booth", "stand", "kickoff", "roundtable",
    "salon", "symposium", "convention", "meeting", "bootcamp", "demo", "day", "wedding", "game",
    "match", "concert", "club", "class", "course", "lecture", "keynote", "breakout", "afterparty",
    "after-party", "soirée", "soiree", "apéro", "apero", "trade", "messe", "tradeshow", "dinners",
    "luncheon", "golf", "tournament", "station", "train", "flight", "lounge", "coworking", "wework",
    "church", "park", "beach", "pitch", "jam",
    "bni", "saastr", "sxsw", "ces", "mwc", "vivatech", "slush", "dreamforce", "disrupt", "collision",
    "websummit", "reinvent", "re:invent", "ted", "tedx", "davos", "gitex", "cebit", "ifa", "nab",
    "pycon", "kubecon", "jsconf", "rubyconf", "startup", "investor", "demoday", "rotary", "toastmasters",
}  # fmt: skip

# Legal forms and words that end a company name.
COMPANY_WORDS = {
    "inc", "inc.", "ltd", "ltd.", "llc", "llp", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "corp",
    "corp.", "co", "co.", "plc", "pty", "oy", "ab", "as", "spa", "srl", "kk", "labs", "lab",
    "technologies", "technology", "tech", "group", "partners", "capital", "ventures", "bank", "holdings",
    "consulting", "studio", "studios", "systems", "software", "solutions", "agency", "ai", "media",
    "foods", "pharma", "health", "energy", "motors", "industries", "insurance", "logistics", "digital",
    "analytics", "networks", "robotics", "bio", "therapeutics", "advisors", "associates", "law",
    "company", "corporation", "limited", "enterprises", "international", "global", "realty",
}  # fmt: skip
COMPANY_TLD_RE = re.compile(r"\w\.(?:com|io|ai|co|net|org|dev|app|xyz|de|fr|uk|co\.uk)$", re.IGNORECASE)

# How people open the line: the verb of meeting, and the activity it names (used as the event).
LEADING_VERBS: tuple[tuple[str, str | None], ...] = tuple(
    (phrase, activity)
    for activity, phrases in {
        None: (
            "just met with",
            "just met",
            "i met with",
            "i met",
            "met up with",
            "met with",
            "met",
            "ran into",
            "bumped into",
            "run into",
            "spoke with",
            "spoke to",
            "talked to",
            "talked with",
            "chatted with",
            "chatted to",
            "caught up with",
            "connected with",
            "got introduced to",
            "was introduced to",
            "introduced to",
            "saw",
            "meeting with",
            "mtg with",
            "mtg w/",
            "meet",
        ),
        "coffee": ("had coffee with", "had a coffee with", "grabbed coffee with", "coffee with", "coffee w/"),
        "lunch": ("had lunch with", "lunch with", "lunch w/", "grabbed lunch with"),
        "dinner": ("had dinner with", "dinner with", "dinner w/"),
        "breakfast": ("had breakfast with", "breakfast with", "breakfast w/"),
        "drinks": (
            "had drinks with",
            "drinks with",
            "drinks w/",
            "beers with",
            "a beer with",
            "had a beer with",
        ),
        "call": ("had a call with", "call with", "call w/", "zoom with", "zoom w/", "video call with"),
    }.items()
    for phrase in phrases
)
# "had a quick coffee with", "a great chat with", "good call w/": the activity, with its adjectives.
ACTIVITY_RE = re.compile(
    r"^(?:(?:today|yesterday|this morning|earlier|finally|also|just)[, ]+)?(?:i\s+)?(?:just\s+)?"
    r"(?:had\s+|grabbed\s+|did\s+)?"
    r"(?:an?\s+)?(?:(?:quick|great|good|nice|lovely|long|short|fun|brief|productive|first|intro|follow-up|virtual"
    r"|informal|casual|networking|late|early)\s+)*"
    r"(coffee|lunch|dinner|breakfast|brunch|drinks|beers?|tea|call|chat|meeting|zoom|video\s+call|catch-up)"
    r"\s+(?:with|w/)(?=\s)[\s:,-]*",
    re.IGNORECASE,
)
LEADING_VERB_RE = re.compile(
    r"^(?:(?:today|yesterday|this morning|earlier|finally|also)[, ]+)?(?:i\s+)?(?:"
    + "|".join(
        re.escape(p).replace(r"\ ", r"\s+") for p, _ in sorted(LEADING_VERBS, key=lambda v: -len(v[0]))
    )
    + r")(?=\s|$)[\s:,-]*",
    re.IGNORECASE,
)
ACTIVITY_OF = {p: a for p, a in LEADING_VERBS}
