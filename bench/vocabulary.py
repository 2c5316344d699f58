"""Word lists for generated names and texts. Every name built from them is fictional."""

from catalog.core.countries import COUNTRIES

# NATO and EU members plus a few close partners; embargoed states are never among them.
PARTNER_COUNTRIES: tuple[str, ...] = (
    "AL", "AT", "AU", "BE", "BG", "CA", "CY", "CZ", "DE", "DK",
    "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE", "IS",
    "IT", "JP", "KR", "LT", "LU", "LV", "ME", "MK", "MT", "NL",
    "NO", "NZ", "PL", "PT", "RO", "SE", "SI", "SK", "TR", "US",
)  # fmt: skip
# Frontline and large buyers get most releases; the rest get a few.
HEAVY_BUYERS: frozenset[str] = frozenset(
    {"PL", "DE", "DK", "EE", "LT", "LV", "GB", "NL", "US", "FI", "SE", "NO", "CZ"}
)
NOT_VETTED: dict[str, str] = {"MT": "PENDING", "HU": "SUSPENDED"}

ROOTS: tuple[str, ...] = (
    "Chornozem", "Verkhovyna", "Kalyna", "Kinburn", "Sivash", "Obrii", "Kobza", "Prystan",
    "Stepovyk", "Dnipro", "Polissia", "Tavria", "Karpaty", "Hoverla", "Buh", "Desna",
    "Inhul", "Ros", "Sula", "Psel", "Vorskla", "Oril", "Samara", "Kalmius", "Siverka",
    "Horyn", "Sluch", "Styr", "Prut", "Tysa", "Dniester", "Azov", "Khortytsia", "Chaika",
    "Berkut", "Sokil", "Yastrub", "Orlan", "Leleka", "Zhuravel",
)  # fmt: skip
COMPANY_KINDS: tuple[str, ...] = (
    "Robotics", "Mechatronics", "Dynamics", "Marine Robotics", "Autonomy Works",
    "Analytics", "Signal Systems", "Maritime Works", "Defence Systems", "Engineering",
)  # fmt: skip
MODEL_WORDS: tuple[str, ...] = (
    "Kremin", "Pomich", "Zasiv", "Kurai", "Burian", "Ostroh", "Tropa", "Volok", "Bereh",
    "Khvylia", "Katran", "Mors", "Skat", "Pryboi", "Hlybyna", "Stezhka", "Obriy", "Zir",
    "Lun", "Vartovyi", "Dozor", "Shchyt", "Iskra", "Hrim", "Vyr", "Tuman", "Zavia",
    "Rubizh", "Kordon", "Styh", "Lys", "Vovk", "Borsuk", "Tur", "Zubr", "Rys", "Yizhak",
    "Karas", "Som", "Shchuka",
)  # fmt: skip
CATEGORY_NOUNS: dict[str, tuple[str, ...]] = {
    "GROUND_DRONE": (
        "Logistics Ground Drone", "Recon Ground Drone", "Evacuation Ground Drone",
        "Combat Ground Drone", "Mine-Laying Ground Drone", "Engineering Ground Drone",
    ),
    "NAVAL_DRONE": (
        "Naval Strike Drone", "Patrol Surface Drone", "Underwater Drone",
        "Mine Countermeasure Drone", "Semi-Submersible Drone",
    ),
    "SOFTWARE": (
        "Fleet Control Software", "Navigation Software", "Targeting Analytics",
        "Electronic Warfare Suite", "Mission Planning Software", "Sensor Fusion Platform",
    ),
}  # fmt: skip
ROLES: dict[str, tuple[str, ...]] = {
    "GROUND_DRONE": (
        "logistics resupply", "casualty evacuation", "ISR", "fire support", "mine laying",
        "obstacle breaching", "cable laying", "position holding",
    ),
    "NAVAL_DRONE": (
        "strike", "coastal defence", "ISR", "mine countermeasures", "harbour patrol",
        "relay",
    ),
    "SOFTWARE": (
        "navigation", "fleet control", "target recognition", "electronic warfare",
        "mission planning", "sensor fusion",
    ),
}  # fmt: skip
CONTROL_ENTRIES: dict[str, tuple[str, ...]] = {
    "GROUND_DRONE": ("ML6.a", "ML6.a", "ML6.a", "ML6.b", "ML4.b"),
    "NAVAL_DRONE": ("ML9.a", "ML9.a", "ML9.b"),
    "SOFTWARE": ("ML21.b", "ML21.b", "ML21.a", "ML11.a"),
}
FRONTS: tuple[str, ...] = (
    "Zaporizhzhia", "Pokrovsk", "Kharkiv", "Kupiansk", "Kherson", "Donetsk", "Sumy",
    "Black Sea", "Dnipro river", "Chernihiv",
)  # fmt: skip
COMMS: tuple[str, ...] = (
    "Mesh radio 1.3-2.4 GHz with AES-256",
    "Encrypted mesh radio with relay hop",
    "Fibre-optic spool (10 km), radio backup",
    "Satellite link with encrypted LOS radio fallback",
    "LTE with encrypted VPN, mesh radio fallback",
    "Acoustic modem with surface satellite buoy",
)
PLATFORMS: tuple[str, ...] = (
    "Linux x86-64", "Linux ARM64 compute module", "Windows 11 rugged laptop",
    "Android tablet", "NVIDIA Jetson Orin", "Air-gapped server rack",
)  # fmt: skip
INTEGRATIONS: tuple[str, ...] = (
    "ROS 2", "MAVLink 2", "CAN bus (SAE J1939)", "Delta", "Kropyva", "NATO STANAG 4586",
    "ATAK", "Link 16 gateway", "KLV metadata (MISB 0601)",
)  # fmt: skip


def country_name(code: str) -> str:
    return COUNTRIES[code]
