"""The demo station's fixed shape: its sites, their facilities, who works there and on which shifts.

Phone numbers are from ranges set aside for drama (Ofcom's 020 7946 0xxx and 0161 496 0xxx,
France's 01 99 00, North America's 555-01xx), so none of them rings anyone.
"""

from dataclasses import dataclass
from datetime import time

from apps.core.roles import Role
from apps.facilities.choices import FacilityKind as K
from apps.facilities.choices import FacilityStatus as S


@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    address: str
    zone: str
    kind: str
    locale: str
    phone_format: str  # str.format with n (0..999), nn (0..99), a and b (two-digit pairs)


BASE_SITES = (
    SiteSpec(
        "LON-HQ",
        "London Broadcast Centre",
        "1 Broadcast Way\nLondon W12 7ZZ\nUnited Kingdom",
        "Europe/London",
        "hq",
        "gb",
        "+44 20 7946 0{n:03d}",
    ),
    SiteSpec(
        "MAN-MC",
        "Manchester MediaCity",
        "Quay House, The Quays\nSalford M50 3ZZ\nUnited Kingdom",
        "Europe/London",
        "studios",
        "gb",
        "+44 161 496 0{n:03d}",
    ),
    SiteSpec(
        "TX-CRY",
        "Crystal Palace Transmitter Park",
        "Transmitter Road\nLondon SE19 9ZZ\nUnited Kingdom",
        "Europe/London",
        "transmitter",
        "gb",
        "+44 20 7946 0{n:03d}",
    ),
    SiteSpec(
        "PAR-BUR",
        "Paris Bureau",
        "12 rue des Ondes\n75015 Paris\nFrance",
        "Europe/Paris",
        "bureau",
        "fr",
        "+33 1 99 00 {a:02d} {b:02d}",
    ),
    SiteSpec(
        "NYC-BUR",
        "New York Bureau",
        "450 West 33rd Street, 9th floor\nNew York, NY 10001\nUnited States",
        "America/New_York",
        "bureau",
        "us",
        "+1 212 555 01{nn:02d}",
    ),
)
BASE_SITE_CODES = tuple(spec.code for spec in BASE_SITES)

# Each scale step beyond 1 adds a region: a broadcast centre, a studio site, a transmitter and a newsroom
# (about as many people and facilities as the base station).
REGION_CITIES = (
    ("BRS", "Bristol", "Europe/London", "gb", "+44 117 496 0{n:03d}"),
    ("GLA", "Glasgow", "Europe/London", "gb", "+44 141 496 0{n:03d}"),
    ("CDF", "Cardiff", "Europe/London", "gb", "+44 29 2018 0{n:03d}"),
    ("BFS", "Belfast", "Europe/London", "gb", "+44 28 9649 6{n:03d}"),
    ("LDS", "Leeds", "Europe/London", "gb", "+44 113 496 0{n:03d}"),
    ("BHX", "Birmingham", "Europe/London", "gb", "+44 121 496 0{n:03d}"),
    ("LYS", "Lyon", "Europe/Paris", "fr", "+33 4 99 00 {a:02d} {b:02d}"),
    ("MRS", "Marseille", "Europe/Paris", "fr", "+33 4 99 01 {a:02d} {b:02d}"),
    ("BOS", "Boston", "America/New_York", "us", "+1 617 555 01{nn:02d}"),
    ("WAS", "Washington", "America/New_York", "us", "+1 202 555 01{nn:02d}"),
)
REGION_PARTS = (
    ("RC", "{city} Broadcast Centre", "hq"),
    ("ST", "{city} Studios", "studios"),
    ("TX", "{city} Transmitter", "transmitter"),
    ("BUR", "{city} Newsroom", "bureau"),
)


@dataclass(frozen=True)
class FacilitySpec:
    suffix: str
    name: str
    kind: str
    status: str = S.OPERATIONAL
    on_air_critical: bool = False


FACILITIES = {
    "hq": (
        FacilitySpec("STA", "Studio A", K.STUDIO, on_air_critical=True),
        FacilitySpec("STB", "Studio B", K.STUDIO, on_air_critical=True),
        FacilitySpec("STC", "Studio C (news)", K.STUDIO, S.MAINTENANCE),
        FacilitySpec("MCR1", "Master Control 1", K.MASTER_CONTROL, on_air_critical=True),
        FacilitySpec("MCR2", "Master Control 2", K.MASTER_CONTROL, S.DEGRADED, on_air_critical=True),
        FacilitySpec("ED1", "Edit 1", K.EDIT_SUITE),
        FacilitySpec("ED2", "Edit 2", K.EDIT_SUITE),
        FacilitySpec("ED3", "Edit 3 (grading)", K.EDIT_SUITE),
        FacilitySpec("ED4", "Edit 4", K.EDIT_SUITE, S.MAINTENANCE),
        FacilitySpec("DC", "Central apparatus room", K.DATA_CENTRE, on_air_critical=True),
        FacilitySpec("NEWS", "Newsroom", K.OFFICE),
        FacilitySpec("GFX", "Graphics suite", K.OTHER),
        FacilitySpec("OB1", "OB 1 (UHD truck)", K.OB_VAN),
        FacilitySpec("OB2", "OB 2", K.OB_VAN, S.DEGRADED),
    ),
    "studios": (
        FacilitySpec("ST1", "Studio 1", K.STUDIO, on_air_critical=True),
        FacilitySpec("ST2", "Studio 2", K.STUDIO),
        FacilitySpec("MCR", "Master Control", K.MASTER_CONTROL, on_air_critical=True),
        FacilitySpec("ED1", "Edit 1", K.EDIT_SUITE),
        FacilitySpec("ED2", "Edit 2", K.EDIT_SUITE),
        FacilitySpec("DC", "Apparatus room", K.DATA_CENTRE, on_air_critical=True),
        FacilitySpec("OFF", "Production office", K.OFFICE),
        FacilitySpec("OB3", "OB 3 (radio)", K.OB_VAN, S.MAINTENANCE),
    ),
    "transmitter": (
        FacilitySpec("MAIN", "Main transmitter", K.TRANSMITTER, on_air_critical=True),
        FacilitySpec("RES", "Reserve transmitter", K.TRANSMITTER, S.DOWN, on_air_critical=True),
        FacilitySpec("DAB", "DAB multiplex", K.TRANSMITTER, on_air_critical=True),
        FacilitySpec("PLANT", "Plant room", K.OTHER),
    ),
    "bureau": (
        FacilitySpec("LIVE", "Live studio", K.STUDIO, on_air_critical=True),
        FacilitySpec("ED", "Edit suite", K.EDIT_SUITE),
        FacilitySpec("OFF", "Bureau office", K.OFFICE),
    ),
}


@dataclass(frozen=True)
class ShiftKind:
    name: str
    starts: time
    ends: time  # on the next day when not after `starts`


SHIFT_KINDS = {
    "early": ShiftKind("early", time(6), time(14)),
    "late": ShiftKind("late", time(14), time(22)),
    "night": ShiftKind("night", time(22), time(6)),
    "day": ShiftKind("day", time(9), time(17)),
}


@dataclass(frozen=True)
class Discipline:
    title: str
    department: str
    position: str = ""  # what a shift calls the work; no shifts when empty
    facility_kinds: tuple = ()
    shift_kinds: tuple = ()  # rotated week by week


DISCIPLINES = {
    "admin": Discipline("Systems administrator", "Technology"),
    "auditor": Discipline("Compliance auditor", "Compliance"),
    "duty": Discipline(
        "Duty supervisor",
        "Operations",
        "Duty supervisor",
        (K.MASTER_CONTROL, K.TRANSMITTER, K.STUDIO),
        ("early", "late"),
    ),
    "mcr_lead": Discipline(
        "MCR supervisor", "Master Control", "MCR supervisor", (K.MASTER_CONTROL,), ("early", "late", "night")
    ),
    "studio_lead": Discipline("Studio manager", "Studio Operations", "Studio manager", (K.STUDIO,), ("early", "late")),
    "tx_lead": Discipline("Transmission manager", "Transmission", "Transmission manager", (K.TRANSMITTER,), ("day",)),
    "bureau_lead": Discipline("Bureau manager", "Newsgathering", "Bureau manager", (K.STUDIO, K.OFFICE), ("day",)),
    "mcr": Discipline(
        "MCR operator", "Master Control", "MCR operator", (K.MASTER_CONTROL,), ("early", "late", "night")
    ),
    "studio": Discipline("Studio engineer", "Studio Operations", "Studio engineer", (K.STUDIO,), ("early", "late")),
    "camera": Discipline("Camera operator", "Studio Operations", "Camera operator", (K.STUDIO,), ("early", "late")),
    "editor": Discipline("Editor", "Post-production", "Editor", (K.EDIT_SUITE,), ("day", "late")),
    "it": Discipline(
        "Broadcast IT engineer", "Technology", "Broadcast IT engineer", (K.DATA_CENTRE,), ("day", "late", "night")
    ),
    "ob": Discipline("OB engineer", "Outside Broadcasts", "OB engineer", (K.OB_VAN,), ("early", "late")),
    "tx": Discipline(
        "Transmission engineer", "Transmission", "Transmission engineer", (K.TRANSMITTER,), ("early", "late", "night")
    ),
}

# Who works at each kind of site: (role, discipline, how many).
STAFFING = {
    "hq": (
        (Role.ADMINISTRATOR, "admin", 1),
        (Role.SUPERVISOR, "duty", 1),
        (Role.SUPERVISOR, "mcr_lead", 1),
        (Role.SUPERVISOR, "studio_lead", 1),
        (Role.AUDITOR, "auditor", 1),
        (Role.STAFF, "mcr", 5),
        (Role.STAFF, "studio", 4),
        (Role.STAFF, "camera", 3),
        (Role.STAFF, "editor", 3),
        (Role.STAFF, "it", 2),
        (Role.STAFF, "ob", 3),
    ),
    "studios": (
        (Role.SUPERVISOR, "duty", 1),
        (Role.STAFF, "mcr", 2),
        (Role.STAFF, "studio", 2),
        (Role.STAFF, "camera", 1),
        (Role.STAFF, "editor", 1),
        (Role.STAFF, "ob", 1),
    ),
    "transmitter": ((Role.SUPERVISOR, "tx_lead", 1), (Role.STAFF, "tx", 3)),
    "bureau": (
        (Role.SUPERVISOR, "bureau_lead", 1),
        (Role.STAFF, "studio", 1),
        (Role.STAFF, "camera", 1),
        (Role.STAFF, "editor", 1),
    ),
}

# The logins printed by `demo_logins`, all at the first site, created before everyone else.
DEMO_LOGINS = (
    # username, role, discipline, first name, last name, is_superuser
    ("admin", Role.ADMINISTRATOR, "admin", "Alex", "Morgan", True),
    ("supervisor", Role.SUPERVISOR, "duty", "Sam", "Okafor", False),
    ("staff", Role.STAFF, "mcr", "Jamie", "Patel", False),
    ("auditor", Role.AUDITOR, "auditor", "Robin", "Fletcher", False),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = {
    "gb": _words(
        "Oliver Amelia Harry Isla George Ava Noah Mia Jack Ivy Leo Grace Arthur Freya Oscar Lily Charlie Emily "
        "Thomas Sophie James Poppy William Ella Henry Evie Alfie Chloe Joshua Ruby Jacob Daisy Ethan Florence "
        "Samuel Alice Daniel Hannah Mohammed Aisha Ibrahim Zara Kwame Ama Priya Arjun Siobhan Ciaran Megan "
        "Rhys Catriona Callum Niamh Declan Farah Yusuf Mei Wei Tomasz Agnieszka"
    ),
    "fr": _words(
        "Louis Jade Gabriel Louise Raphaël Emma Arthur Alice Jules Chloé Adam Lina Hugo Léa Lucas Manon Nathan "
        "Camille Théo Inès Yanis Sarah Karim Amira Mathieu Juliette Antoine Margaux"
    ),
    "us": _words(
        "Liam Olivia Mason Sophia Elijah Charlotte Lucas Amelia Logan Harper Aiden Evelyn Carter Abigail Diego "
        "Camila Marcus Maya Tyrone Keisha Kenji Hana Mateo Valentina Isaiah Naomi"
    ),
}
LAST_NAMES = {
    "gb": _words(
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
        "Roberts Green Hall Wood Jackson Clarke Patel Khan Shah Begum Ali Hughes Edwards Lewis Harris Martin "
        "Cooper Ward Morris Turner Baker Murphy O'Brien Kelly Campbell MacDonald Stewart Reid Murray Price "
        "Bennett Gray Nowak Kowalski Chen Wong Mensah Owusu Adeyemi Okoro Rahman Hussain Singh Kaur Gill Byrne"
    ),
    "fr": _words(
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel "
        "Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert Bonnet Fontaine"
    ),
    "us": _words(
        "Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
        "Anderson Thomas Moore Jackson Lee Harris Clark Lewis Walker Young Allen Nguyen Kim Rivera Cohen"
    ),
}
