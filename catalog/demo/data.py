"""Demo catalogue for ``market seed-demo``.

Plain data only (no project imports): organisations, ~30 products and a default licensing
routing rule set. Every company and product name here is FICTIONAL; specifications are
plausible for their class but describe no real system. Organisation slugs are stable so that
scripts and tests can rely on them (see DESIGN.md, "Demo data").
"""

from typing import Any

MANUFACTURERS: list[dict[str, str]] = [
    {"slug": "demo-manufacturer-1", "name": "Chornozem Robotics", "country": "UA"},
    {"slug": "demo-manufacturer-2", "name": "Verkhovyna Mechatronics", "country": "UA"},
    {"slug": "demo-manufacturer-3", "name": "Kalyna Dynamics", "country": "UA"},
    {"slug": "demo-manufacturer-4", "name": "Kinburn Marine Robotics", "country": "UA"},
    {"slug": "demo-manufacturer-5", "name": "Sivash Autonomy Works", "country": "UA"},
    {"slug": "demo-manufacturer-6", "name": "Obrii Analytics", "country": "UA"},
    {"slug": "demo-manufacturer-7", "name": "Kobza Signal Systems", "country": "UA"},
    {"slug": "demo-manufacturer-8", "name": "Prystan Maritime Works", "country": "UA"},
]

_PARTNER_NAMES: dict[str, str] = {
    "PL": "Polish Armament Agency (demo)",
    "DE": "German Federal Defence Procurement Office (demo)",
    "DK": "Danish Defence Acquisition Directorate (demo)",
    "EE": "Estonian Defence Investment Centre (demo)",
    "LT": "Lithuanian Defence Materiel Agency (demo)",
    "LV": "Latvian State Defence Logistics Centre (demo)",
    "GB": "UK Defence Equipment Procurement Office (demo)",
    "NL": "Netherlands Materiel and Support Command (demo)",
    "US": "US Joint Foreign Materiel Acquisition Office (demo)",
    "FI": "Finnish Defence Forces Procurement Centre (demo)",
    "SE": "Swedish Defence Materiel Directorate (demo)",
    "NO": "Norwegian Defence Acquisition Agency (demo)",
    "CZ": "Czech Defence Procurement Agency (demo)",
    "RO": "Romanian Armament Procurement Office (demo)",
    "SK": "Slovak Defence Acquisition Office (demo)",
}
_VETTING: dict[str, str] = {"RO": "PENDING", "SK": "SUSPENDED"}

PARTNERS: list[dict[str, str]] = [
    {
        "slug": f"demo-partner-{code}",
        "name": name,
        "country": code,
        "vetting": _VETTING.get(code, "VETTED"),
    }
    for code, name in _PARTNER_NAMES.items()
]

CURATOR: dict[str, str] = {
    "slug": "demo-curator",
    "name": "Brave1 Curation Desk (demo)",
    "country": "UA",
}
LICENSING: dict[str, str] = {
    "slug": "demo-licensing",
    "name": "State Export Control Service — Licensing (demo)",
    "country": "UA",
}

# Partner release sets used below; each product gets its own copy via list(...).
_VETTED: tuple[str, ...] = (
    "PL",
    "DE",
    "DK",
    "EE",
    "LT",
    "LV",
    "GB",
    "NL",
    "US",
    "FI",
    "SE",
    "NO",
    "CZ",
)
_ALL_PARTNERS: tuple[str, ...] = (*_VETTED, "RO", "SK")

PRODUCTS: list[dict[str, Any]] = [
    # ------------------------------------------------------------------ demo-manufacturer-1
    {
        "manufacturer": "demo-manufacturer-1",
        "sku": "GD-100",
        "name": "Kremin",
        "category": "GROUND_DRONE",
        "summary": "Tracked light logistics ground drone carrying 300 kg of ammunition, water or "
        "batteries to forward positions under drone threat.",
        "description": "Kremin is a low-profile tracked carrier built for the last 10-15 km of "
        "resupply, where crewed vehicles are quickly spotted by reconnaissance drones. It runs "
        "on a swappable LFP battery pack with a quiet electric drive and a thermal-masking "
        "cover. The cargo deck takes standard ammunition boxes, water canisters or a "
        "stretcher kit.",
        "specs": {
            "range_km": 20,
            "endurance_h": 8,
            "payload_kg": 300,
            "max_speed_kmh": 12,
            "mass_kg": 450,
            "drive": "TRACKED",
            "autonomy_level": "ASSISTED",
            "comms": "Mesh radio 1.3-2.4 GHz with AES-256, optional satellite terminal",
        },
        "combat_record": {
            "first_deployment": "2023-11-14",
            "roles": ["logistics resupply", "casualty evacuation"],
            "evidence": "Operated by two mechanised brigades on the Zaporizhzhia front since "
            "2024; 1,400+ resupply runs logged.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "NONE",
        "units_available": 180,
        "lead_time_days": 45,
        "unit_price_eur": 42_000,
        "status": "PUBLISHED",
        "released_to": list(_VETTED),
    },
    {
        "manufacturer": "demo-manufacturer-1",
        "sku": "GD-110",
        "name": "Kremin-M",
        "category": "GROUND_DRONE",
        "summary": "Heavier Kremin variant with a 600 kg modular deck, winch and stretcher "
        "module for resupply and casualty evacuation.",
        "description": "Kremin-M stretches the Kremin hull and adds a second battery bay, doubling "
        "payload while keeping the same ground controller and spares. Deck modules swap in "
        "under 20 minutes: cargo cage, dual-stretcher evacuation pod or cable-laying drum. "
        "Field-level maintenance training and a spares package are offered with the export.",
        "specs": {
            "range_km": 25,
            "endurance_h": 10,
            "payload_kg": 600,
            "max_speed_kmh": 14,
            "mass_kg": 780,
            "drive": "TRACKED",
            "autonomy_level": "SUPERVISED",
            "comms": "Mesh radio 1.3-2.4 GHz with relay hop, fibre-optic spool option (10 km)",
        },
        "combat_record": {
            "first_deployment": "2024-06-03",
            "roles": ["logistics resupply", "casualty evacuation", "cable laying"],
            "evidence": "Used by an assault brigade in the Pokrovsk direction since mid-2024; "
            "600+ missions and 90+ wounded evacuated.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "MAINTENANCE",
        "units_available": 60,
        "lead_time_days": 60,
        "unit_price_eur": 68_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "DE", "DK", "EE", "LT", "LV", "FI", "SE", "NO"],
    },
    {
        "manufacturer": "demo-manufacturer-1",
        "sku": "GD-200",
        "name": "Pomich Evacuation Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Casualty evacuation ground drone with an insulated two-litter pod, heated "
        "floor and medic camera link.",
        "description": "Pomich moves wounded soldiers from the line of contact to a stabilisation "
        "point without exposing a crew. The enclosed pod is splinter-resistant, heated and "
        "fitted with a two-way audio and video link to the receiving medic. A low-speed "
        "follow mode lets one soldier walk ahead of the vehicle under cover.",
        "specs": {
            "range_km": 18,
            "endurance_h": 7,
            "payload_kg": 250,
            "max_speed_kmh": 10,
            "mass_kg": 620,
            "drive": "TRACKED",
            "autonomy_level": "ASSISTED",
            "comms": "Mesh radio with LTE fallback, encrypted video downlink",
        },
        "combat_record": {
            "first_deployment": "2024-02-20",
            "roles": ["casualty evacuation"],
            "evidence": "Serving with medical companies of three brigades on the Kharkiv front "
            "since 2024; 310+ evacuations logged.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "NONE",
        "units_available": 90,
        "lead_time_days": 45,
        "unit_price_eur": 55_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "EE", "LT", "LV"],
    },
    {
        "manufacturer": "demo-manufacturer-1",
        "sku": "GD-300",
        "name": "Zasiv Mine-Laying Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Tracked ground drone that lays up to 16 anti-tank mines per sortie on a "
        "pre-planned pattern and records the minefield.",
        "description": "Zasiv carries a dispensing rack for 16 anti-tank mines and lays them "
        "along a pre-planned line at night, avoiding exposing engineer teams. Each emplaced "
        "mine is geotagged and exported as a standard minefield record. The rack can be "
        "removed to use the chassis as a cargo carrier.",
        "specs": {
            "range_km": 15,
            "endurance_h": 6,
            "payload_kg": 240,
            "max_speed_kmh": 9,
            "mass_kg": 520,
            "drive": "TRACKED",
            "autonomy_level": "SUPERVISED",
            "comms": "Mesh radio 1.3-2.4 GHz, frequency hopping",
        },
        "combat_record": {
            "first_deployment": "2024-09-11",
            "roles": ["mine laying", "logistics resupply"],
            "evidence": "Operated by engineer battalions on the Donetsk front since late 2024; "
            "4,000+ mines emplaced in 250 sorties.",
        },
        "control_entry": "ML4.b",
        "tech_transfer": "NONE",
        "units_available": 40,
        "lead_time_days": 75,
        "unit_price_eur": 75_000,
        "status": "PUBLISHED",
        "released_to": ["EE", "LT", "LV", "FI"],
    },
    # ------------------------------------------------------------------ demo-manufacturer-2
    {
        "manufacturer": "demo-manufacturer-2",
        "sku": "GD-100",
        "name": "Kurai Recon Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Wheeled 4x4 recon ground drone with a telescopic EO/IR mast for "
        "observation posts that nobody has to man.",
        "description": "Kurai drives into a covered position and raises a 3 m mast with a "
        "day/thermal camera and laser rangefinder, then sits silent for up to two days on a "
        "reduced power budget. Observations are pushed as geotagged reports to the unit's "
        "situational-awareness system. It is light enough for two soldiers to lift over "
        "obstacles.",
        "specs": {
            "range_km": 35,
            "endurance_h": 48,
            "payload_kg": 15,
            "max_speed_kmh": 25,
            "mass_kg": 95,
            "drive": "WHEELED",
            "autonomy_level": "ASSISTED",
            "comms": "Mesh radio with store-and-forward, satellite terminal option",
        },
        "combat_record": {
            "first_deployment": "2023-08-02",
            "roles": ["ISR", "observation post"],
            "evidence": "Fielded by territorial defence and mechanised units in the Kupiansk "
            "sector since 2023; 900+ observation shifts logged.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "NONE",
        "units_available": 320,
        "lead_time_days": 30,
        "unit_price_eur": 28_000,
        "status": "PUBLISHED",
        "released_to": list(_ALL_PARTNERS),
    },
    {
        "manufacturer": "demo-manufacturer-2",
        "sku": "GD-120",
        "name": "Burian Strike Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Low-cost wheeled one-way strike ground drone for obstacles, bunkers and "
        "bridges, operated from up to 10 km.",
        "description": "Burian is a small, expendable wheeled platform that carries an "
        "engineer charge to a target the operator designates on video. It is built from "
        "commercial drivetrain parts to keep the unit price low and production fast. A "
        "fibre-optic control option makes it immune to radio jamming.",
        "specs": {
            "range_km": 10,
            "endurance_h": 2,
            "payload_kg": 40,
            "max_speed_kmh": 30,
            "mass_kg": 70,
            "drive": "WHEELED",
            "autonomy_level": "REMOTE",
            "comms": "Analogue/digital video link or fibre-optic spool (10 km)",
        },
        "combat_record": {
            "first_deployment": "2024-04-17",
            "roles": ["strike", "obstacle breaching"],
            "evidence": "Used by assault units on the Zaporizhzhia front since spring 2024; "
            "180+ sorties logged.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "NONE",
        "units_available": 400,
        "lead_time_days": 21,
        "unit_price_eur": 16_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "LT"],
    },
    {
        "manufacturer": "demo-manufacturer-2",
        "sku": "GD-400",
        "name": "Ostroh-12 Combat Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Tracked ground drone with a stabilised 12.7 mm remote weapon station for "
        "holding positions and covering assaults.",
        "description": "Ostroh-12 mounts a stabilised remote weapon station with day/thermal "
        "sights and 400 ready rounds on a tracked hull. The operator stays in a covered "
        "position up to 5 km away; every engagement requires operator confirmation. It "
        "replaces a machine-gun crew on the most exposed positions.",
        "specs": {
            "range_km": 30,
            "endurance_h": 12,
            "payload_kg": 250,
            "max_speed_kmh": 18,
            "mass_kg": 1_150,
            "drive": "TRACKED",
            "autonomy_level": "REMOTE",
            "comms": "Encrypted mesh radio with relay drone support, fibre-optic option",
        },
        "combat_record": {
            "first_deployment": "2024-12-05",
            "roles": ["fire support", "position holding"],
            "evidence": "Held positions for a mechanised brigade in the Kharkiv region for "
            "weeks at a time in 2025; 45 days of continuous duty logged.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "NONE",
        "units_available": 24,
        "lead_time_days": 120,
        "unit_price_eur": 240_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "GB", "US"],
    },
    {
        "manufacturer": "demo-manufacturer-2",
        "sku": "GD-900",
        "name": "Tropa Heavy Logistics Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Hybrid-electric heavy tracked ground drone moving 1,000 kg per trip; "
        "licensed production offered under Build with Ukraine.",
        "description": "Tropa is the heavy carrier of the family: a hybrid-electric tracked "
        "chassis that moves a tonne of cargo or tows a light trailer over mud and snow. It "
        "can run in convoy mode, following a lead vehicle's track. The design is offered for "
        "licensed production in partner countries with a transfer of assembly documentation "
        "and tooling.",
        "specs": {
            "range_km": 45,
            "endurance_h": 14,
            "payload_kg": 1_000,
            "max_speed_kmh": 20,
            "mass_kg": 1_900,
            "drive": "TRACKED",
            "autonomy_level": "SUPERVISED",
            "comms": "Mesh radio with satellite backhaul, convoy leader-follower link",
        },
        "combat_record": {
            "first_deployment": "2024-10-21",
            "roles": ["logistics resupply", "casualty evacuation", "towing"],
            "evidence": "Supplying two brigades on the Donetsk front since late 2024; "
            "140+ missions and 120 t of cargo logged.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "LICENSED_PRODUCTION",
        "units_available": 12,
        "lead_time_days": 180,
        "unit_price_eur": 410_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "DE", "DK", "NL", "GB", "US", "NO"],
    },
    # ------------------------------------------------------------------ demo-manufacturer-3
    {
        "manufacturer": "demo-manufacturer-3",
        "sku": "GD-500",
        "name": "Perekat Mine-Clearing Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Tracked mine-clearing ground drone with a roller set and line-charge "
        "launcher for breaching lanes through minefields.",
        "description": "Perekat pushes a segmented roller ahead of its tracked hull to detonate "
        "pressure-fused mines and can launch a short line charge for tripwire-dense areas. "
        "A ground-penetrating radar marks remaining anomalies on the operator's map. The "
        "roller segments are field-replaceable.",
        "specs": {
            "range_km": 12,
            "endurance_h": 5,
            "payload_kg": 400,
            "max_speed_kmh": 8,
            "mass_kg": 2_400,
            "drive": "TRACKED",
            "autonomy_level": "REMOTE",
            "comms": "Encrypted mesh radio, fibre-optic option (5 km)",
        },
        "combat_record": {
            "first_deployment": "2025-03-10",
            "roles": ["mine clearance", "route clearance"],
            "evidence": "Trialled by an engineer brigade on the Zaporizhzhia front in 2025; "
            "35 lanes breached.",
        },
        "control_entry": "ML4.b",
        "tech_transfer": "NONE",
        "units_available": 8,
        "lead_time_days": 150,
        "unit_price_eur": 145_000,
        "status": "SUBMITTED",
        "released_to": [],
    },
    {
        "manufacturer": "demo-manufacturer-3",
        "sku": "GD-050",
        "name": "Mist Mesh Relay Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Small wheeled ground drone that drives a mesh radio relay forward to "
        "extend control links for other drones.",
        "description": "Mist carries a self-forming mesh relay and a folding antenna mast to a "
        "concealed spot, extending the range of ground and aerial drones behind terrain. "
        "Several units chain automatically into a relay line. It runs on a single battery "
        "for two days in relay-only mode.",
        "specs": {
            "range_km": 20,
            "endurance_h": 48,
            "payload_kg": 10,
            "max_speed_kmh": 20,
            "mass_kg": 45,
            "drive": "WHEELED",
            "autonomy_level": "ASSISTED",
            "comms": "Self-forming MANET mesh, 2 radios (control and backhaul)",
        },
        "combat_record": {
            "first_deployment": "2024-05-28",
            "roles": ["communications relay", "EW resilience"],
            "evidence": "Used by unmanned systems battalions in the Toretsk sector since 2024; "
            "520+ relay deployments logged.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "NONE",
        "units_available": 150,
        "lead_time_days": 30,
        "unit_price_eur": 19_000,
        "status": "PUBLISHED",
        "released_to": list(_VETTED),
    },
    {
        "manufacturer": "demo-manufacturer-3",
        "sku": "SW-10",
        "name": "Stezhka Ground Autonomy Kit",
        "category": "SOFTWARE",
        "summary": "Retrofit navigation software for ground drones: GNSS-denied route "
        "following, obstacle avoidance and return-on-link-loss.",
        "description": "Stezhka runs on a compact compute module added to an existing ground "
        "drone and provides visual-inertial navigation when satellite positioning is jammed. "
        "The operator draws a route; the vehicle follows it, stops for obstacles and returns "
        "home if the link is lost. Licensed per vehicle.",
        "specs": {
            "deployment": "EDGE",
            "platforms": ["Linux ARM64 compute module"],
            "autonomy_level": "SUPERVISED",
            "integrations": ["ROS 2", "MAVLink 2", "CAN bus (SAE J1939)"],
            "licence_model": "PER_PLATFORM",
        },
        "combat_record": {
            "first_deployment": "2024-08-19",
            "roles": ["navigation", "logistics resupply"],
            "evidence": "Installed on 200+ logistics ground drones across several brigades "
            "since 2024; 3,000+ autonomous route segments logged.",
        },
        "control_entry": "ML21.a",
        "tech_transfer": "NONE",
        "units_available": 200,
        "lead_time_days": 14,
        "unit_price_eur": 28_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "DE", "NL", "GB", "US", "CZ"],
    },
    # ------------------------------------------------------------------ demo-manufacturer-4
    {
        "manufacturer": "demo-manufacturer-4",
        "sku": "ND-5",
        "name": "Khvylia-5 Naval Strike Drone",
        "category": "NAVAL_DRONE",
        "summary": "5.5 m surface naval drone with 320 kg payload and 850 km range; licensed "
        "production offered to partner shipyards.",
        "description": "Khvylia-5 is a low-profile planing surface drone for coastal defence "
        "and strike missions against surface vessels. Its modular bay takes a warhead, an "
        "ISR mast or a relay payload. Licensed production with hull moulds and integration "
        "documentation is offered to partner shipyards.",
        "specs": {
            "range_km": 850,
            "endurance_h": 60,
            "payload_kg": 320,
            "max_speed_knots": 42,
            "length_m": 5.5,
            "hull": "SURFACE",
            "autonomy_level": "ASSISTED",
            "comms": "Satellite link with encrypted LOS radio fallback",
        },
        "combat_record": {
            "first_deployment": "2023-07-16",
            "roles": ["strike", "coastal defence", "ISR"],
            "evidence": "Operated by a naval special operations unit in the Black Sea since "
            "2023; 70+ sorties logged.",
        },
        "control_entry": "ML9.a",
        "tech_transfer": "LICENSED_PRODUCTION",
        "units_available": 30,
        "lead_time_days": 90,
        "unit_price_eur": 230_000,
        "status": "PUBLISHED",
        "released_to": ["GB", "NL", "NO", "DK"],
    },
    {
        "manufacturer": "demo-manufacturer-4",
        "sku": "ND-7",
        "name": "Khvylia-7 Heavy Naval Drone",
        "category": "NAVAL_DRONE",
        "summary": "6.8 m heavy surface naval drone with 900 kg payload and 1,000 km range "
        "for long-range strike and carrier missions.",
        "description": "Khvylia-7 scales up the Khvylia hull with twin engines and a larger "
        "fuel load for missions deep into contested waters. It can carry a heavy warhead or "
        "act as a mothership for smaller aerial drones. Both units share the same ground "
        "control station.",
        "specs": {
            "range_km": 1_000,
            "endurance_h": 72,
            "payload_kg": 900,
            "max_speed_knots": 48,
            "length_m": 6.8,
            "hull": "SURFACE",
            "autonomy_level": "ASSISTED",
            "comms": "Dual satellite links, encrypted LOS radio, mesh for escorts",
        },
        "combat_record": {
            "first_deployment": "2024-05-06",
            "roles": ["strike", "drone carrier"],
            "evidence": "In service with a naval special operations unit in the western Black "
            "Sea since 2024; 25+ long-range sorties logged.",
        },
        "control_entry": "ML9.a",
        "tech_transfer": "NONE",
        "units_available": 10,
        "lead_time_days": 150,
        "unit_price_eur": 420_000,
        "status": "PUBLISHED",
        "released_to": ["GB", "US"],
    },
    {
        "manufacturer": "demo-manufacturer-4",
        "sku": "ND-P46",
        "name": "Storozh Coastal Patrol Sea Drone",
        "category": "NAVAL_DRONE",
        "summary": "4.6 m long-endurance sea drone for coastal patrol, harbour protection and "
        "maritime ISR, with radar, AIS and EO/IR.",
        "description": "Storozh patrols a coastline or harbour approach for up to four days, "
        "fusing marine radar, AIS and a stabilised EO/IR turret into tracks on the shore "
        "station's map. Patrol routes run autonomously; the operator is alerted to contacts. "
        "Maintenance training and a spares package are included.",
        "specs": {
            "range_km": 1_100,
            "endurance_h": 96,
            "payload_kg": 180,
            "max_speed_knots": 32,
            "length_m": 4.6,
            "hull": "SURFACE",
            "autonomy_level": "SUPERVISED",
            "comms": "Satellite link, 4G/5G coastal, encrypted LOS radio",
        },
        "combat_record": {
            "first_deployment": "2024-03-22",
            "roles": ["coastal patrol", "ISR", "harbour protection"],
            "evidence": "Patrolling the Odesa region coastline for the navy since 2024; "
            "8,000+ patrol hours logged.",
        },
        "control_entry": "ML9.a",
        "tech_transfer": "MAINTENANCE",
        "units_available": 14,
        "lead_time_days": 120,
        "unit_price_eur": 310_000,
        "status": "PUBLISHED",
        "released_to": list(_VETTED),
    },
    {
        "manufacturer": "demo-manufacturer-4",
        "sku": "ND-L52",
        "name": "Poron Logistics Sea Drone",
        "category": "NAVAL_DRONE",
        "summary": "5.2 m cargo sea drone resupplying islands, river banks and coastal "
        "outposts with 600 kg per trip.",
        "description": "Poron carries supplies to positions that can only be reached over "
        "water, such as river islands and spits. An open cargo well with quick-release "
        "lashings lets a two-person team unload in minutes. Night transits use a "
        "low-signature mode at reduced speed.",
        "specs": {
            "range_km": 400,
            "endurance_h": 30,
            "payload_kg": 600,
            "max_speed_knots": 28,
            "length_m": 5.2,
            "hull": "SURFACE",
            "autonomy_level": "ASSISTED",
            "comms": "Encrypted LOS radio with mesh relay, satellite option",
        },
        "combat_record": {
            "first_deployment": "2024-07-30",
            "roles": ["logistics resupply", "casualty evacuation"],
            "evidence": "Used on the Dnipro river in the Kherson region since 2024; "
            "200+ resupply crossings logged.",
        },
        "control_entry": "ML9.a",
        "tech_transfer": "NONE",
        "units_available": 20,
        "lead_time_days": 100,
        "unit_price_eur": 180_000,
        "status": "DRAFT",
        "released_to": [],
    },
    # ------------------------------------------------------------------ demo-manufacturer-5
    {
        "manufacturer": "demo-manufacturer-5",
        "sku": "UUV-34",
        "name": "Hlybyna Underwater Recon Drone",
        "category": "NAVAL_DRONE",
        "summary": "3.4 m autonomous underwater drone for seabed survey, harbour recon and "
        "infrastructure inspection; 300 km range.",
        "description": "Hlybyna runs pre-planned underwater survey missions with side-scan "
        "sonar, a multibeam echosounder and a camera, surfacing at set points to report. "
        "It is used to inspect ports, pipelines and cable routes and to map seabed changes. "
        "Data are processed on the shore station after recovery.",
        "specs": {
            "range_km": 300,
            "endurance_h": 40,
            "payload_kg": 60,
            "max_speed_knots": 5,
            "length_m": 3.4,
            "hull": "UNDERWATER",
            "autonomy_level": "AUTONOMOUS",
            "comms": "Acoustic modem submerged; satellite and radio when surfaced",
        },
        "combat_record": {
            "first_deployment": "2024-11-08",
            "roles": ["ISR", "seabed survey", "infrastructure inspection"],
            "evidence": "Surveying port approaches in the Odesa region for the navy since "
            "late 2024; 60+ survey missions logged.",
        },
        "control_entry": "ML9.a",
        "tech_transfer": "NONE",
        "units_available": 6,
        "lead_time_days": 180,
        "unit_price_eur": 650_000,
        "status": "PUBLISHED",
        "released_to": ["NO", "SE", "FI", "DK", "PL", "DE"],
    },
    {
        "manufacturer": "demo-manufacturer-5",
        "sku": "SSV-62",
        "name": "Prylyv Semi-Submersible Naval Drone",
        "category": "NAVAL_DRONE",
        "summary": "6.2 m semi-submersible naval drone with a very low radar and visual "
        "signature for covert ISR and strike.",
        "description": "Prylyv rides with only its snorkel and antenna mast above the surface, "
        "which makes it hard to see on radar and from the air. It carries 500 kg of payload "
        "at a slow, low-wake cruise. The listing is suspended pending an updated performance "
        "dossier.",
        "specs": {
            "range_km": 700,
            "endurance_h": 80,
            "payload_kg": 500,
            "max_speed_knots": 18,
            "length_m": 6.2,
            "hull": "SEMI_SUBMERSIBLE",
            "autonomy_level": "SUPERVISED",
            "comms": "Satellite link via mast, encrypted LOS radio",
        },
        "combat_record": {
            "first_deployment": "2025-01-15",
            "roles": ["ISR", "strike"],
            "evidence": "Limited operational use by a naval unit in the Black Sea in 2025; "
            "12 sorties logged.",
        },
        "control_entry": "ML9.a",
        "tech_transfer": "NONE",
        "units_available": 0,
        "lead_time_days": 210,
        "unit_price_eur": 520_000,
        "status": "SUSPENDED",
        "released_to": [],
    },
    {
        "manufacturer": "demo-manufacturer-5",
        "sku": "MCM-75",
        "name": "Tral Mine Countermeasure Sea Drone",
        "category": "NAVAL_DRONE",
        "summary": "7.5 m mine countermeasure sea drone with towed side-scan sonar and a "
        "disposal vehicle, keeping crews out of the minefield.",
        "description": "Tral tows a side-scan sonar to detect and classify sea mines, then "
        "launches a small remotely operated vehicle to identify and neutralise them. Crewed "
        "vessels stay outside the danger area while the drone clears shipping lanes. "
        "Maintenance training and a spares package are included.",
        "specs": {
            "range_km": 600,
            "endurance_h": 48,
            "payload_kg": 800,
            "max_speed_knots": 25,
            "length_m": 7.5,
            "hull": "SURFACE",
            "autonomy_level": "SUPERVISED",
            "comms": "Satellite link, encrypted LOS radio, acoustic link to disposal vehicle",
        },
        "combat_record": {
            "first_deployment": "2024-04-02",
            "roles": ["mine countermeasures", "route survey"],
            "evidence": "Clearing approaches to Black Sea grain-corridor ports since 2024; "
            "1,200 sq km surveyed and 30+ mines neutralised.",
        },
        "control_entry": "ML9.a",
        "tech_transfer": "MAINTENANCE",
        "units_available": 4,
        "lead_time_days": 240,
        "unit_price_eur": 880_000,
        "status": "PUBLISHED",
        "released_to": list(_ALL_PARTNERS),
    },
    {
        "manufacturer": "demo-manufacturer-5",
        "sku": "SW-LOT",
        "name": "Lotsman Naval Mission Control",
        "category": "SOFTWARE",
        "summary": "Ground control station software for planning and running mixed fleets "
        "of surface and underwater naval drones.",
        "description": "Lotsman plans routes, monitors telemetry and video and hands control "
        "of naval drones between operators and shore stations. It deconflicts several drones "
        "on one map and replays missions for debriefing. It is licensed per controlled "
        "platform.",
        "specs": {
            "deployment": "ON_PREMISES",
            "platforms": ["Linux x86-64", "Windows 11", "Rugged Android tablet"],
            "autonomy_level": "SUPERVISED",
            "integrations": ["STANAG 4586", "NMEA 2000", "AIS", "MISB ST 0601 (KLV)"],
            "licence_model": "PER_PLATFORM",
        },
        "combat_record": {
            "first_deployment": "2023-09-05",
            "roles": ["mission control", "coastal patrol", "strike"],
            "evidence": "Controls the naval drone fleets of two navy units since 2023; "
            "400+ missions run.",
        },
        "control_entry": "ML21.b",
        "tech_transfer": "MAINTENANCE",
        "units_available": 50,
        "lead_time_days": 30,
        "unit_price_eur": 95_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "DE", "DK", "EE", "LT", "LV", "GB", "NL", "US", "FI", "SE", "NO"],
    },
    # ------------------------------------------------------------------ demo-manufacturer-6
    {
        "manufacturer": "demo-manufacturer-6",
        "sku": "SW-100",
        "name": "Pryitsil Targeting Suite",
        "category": "SOFTWARE",
        "summary": "Targeting and fires coordination software: from drone video to a "
        "confirmed target and fire mission in minutes.",
        "description": "Pryitsil lets a drone operator mark a target on video, refines its "
        "coordinates against reference imagery and passes it to fire units for a human "
        "decision. Every step is logged for after-action review and battle damage "
        "assessment. It runs on laptops and tablets down to company level.",
        "specs": {
            "deployment": "ON_PREMISES",
            "platforms": ["Linux x86-64", "Windows 11", "Android 12+ tablet"],
            "autonomy_level": "ASSISTED",
            "integrations": ["Cursor on Target (CoT)", "APP-6D symbology", "STANAG 4609"],
            "licence_model": "PER_SEAT",
        },
        "combat_record": {
            "first_deployment": "2022-11-10",
            "roles": ["targeting", "fire coordination", "battle damage assessment"],
            "evidence": "Used by artillery and drone units of several brigades since 2022; "
            "25,000+ fire missions coordinated.",
        },
        "control_entry": "ML21.b",
        "tech_transfer": "NONE",
        "units_available": 400,
        "lead_time_days": 14,
        "unit_price_eur": 48_000,
        "status": "PUBLISHED",
        "released_to": list(_VETTED),
    },
    {
        "manufacturer": "demo-manufacturer-6",
        "sku": "SW-200",
        "name": "Ohliad Recon Imagery Analysis",
        "category": "SOFTWARE",
        "summary": "Air-gapped computer-vision platform that detects vehicles, positions and "
        "changes in recon drone and satellite imagery.",
        "description": "Ohliad ingests video and stills from recon drones, detects and "
        "classifies military objects and flags changes between passes for analyst review. "
        "Models are retrained on site with the customer's own labelled data. It is "
        "delivered as an air-gapped server cluster under a site licence.",
        "specs": {
            "deployment": "AIR_GAPPED",
            "platforms": ["Linux x86-64 GPU server", "Linux ARM64 edge module"],
            "autonomy_level": "ASSISTED",
            "integrations": ["STANAG 4609", "MISB ST 0601 (KLV)", "OGC WMS/WMTS", "CoT"],
            "licence_model": "SITE",
        },
        "combat_record": {
            "first_deployment": "2023-05-18",
            "roles": ["ISR", "imagery analysis", "targeting"],
            "evidence": "Processing recon imagery for intelligence units on the southern front "
            "since 2023; 2 million+ detections reviewed by analysts.",
        },
        "control_entry": "ML21.b",
        "tech_transfer": "NONE",
        "units_available": 10,
        "lead_time_days": 45,
        "unit_price_eur": 260_000,
        "status": "PUBLISHED",
        "released_to": ["GB", "US", "NL", "DE"],
    },
    {
        "manufacturer": "demo-manufacturer-6",
        "sku": "SW-300",
        "name": "Ryi Swarm Mission Planner",
        "category": "SOFTWARE",
        "summary": "Swarm mission planning for groups of aerial and ground drones under one "
        "operator, with human approval for every engagement.",
        "description": "Ryi splits a mission between several drones, assigns search sectors, "
        "relays and reserves, and re-plans when a drone is lost. One operator supervises the "
        "group; engagements always require explicit human approval. It runs on the edge "
        "compute of the lead drone or a field laptop.",
        "specs": {
            "deployment": "EDGE",
            "platforms": ["Linux ARM64 compute module", "Linux x86-64 laptop"],
            "autonomy_level": "SUPERVISED",
            "integrations": ["MAVLink 2", "ROS 2", "STANAG 4586"],
            "licence_model": "PER_PLATFORM",
        },
        "combat_record": {
            "first_deployment": "2024-07-01",
            "roles": ["ISR", "swarm coordination", "strike"],
            "evidence": "Fielded by an unmanned systems regiment on the Donetsk front since "
            "mid-2024; 300+ multi-drone missions logged.",
        },
        "control_entry": "ML21.b",
        "tech_transfer": "NONE",
        "units_available": 120,
        "lead_time_days": 21,
        "unit_price_eur": 35_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "DK", "EE"],
    },
    {
        "manufacturer": "demo-manufacturer-6",
        "sku": "SW-400",
        "name": "Kartohraf Minefield Mapping",
        "category": "SOFTWARE",
        "summary": "Minefield recording and breaching planning software: shared, versioned "
        "maps of own and enemy mines for engineer units.",
        "description": "Kartohraf keeps a single, versioned record of emplaced and detected "
        "mines from engineer reports, mine-laying drones and clearance teams. Planners "
        "overlay it on imagery to choose breaching lanes and safe routes. Records export in "
        "the standard NATO minefield format.",
        "specs": {
            "deployment": "AIR_GAPPED",
            "platforms": ["Windows 11", "Linux x86-64"],
            "autonomy_level": "ASSISTED",
            "integrations": ["STANAG 2036 minefield records", "OGC GeoPackage", "CoT"],
            "licence_model": "SITE",
        },
        "combat_record": {
            "first_deployment": "2024-01-25",
            "roles": ["mine laying", "mine clearance", "planning"],
            "evidence": "Used by engineer units of an operational command since 2024; "
            "60,000+ mines recorded.",
        },
        "control_entry": "ML21.b",
        "tech_transfer": "NONE",
        "units_available": 25,
        "lead_time_days": 30,
        "unit_price_eur": 120_000,
        "status": "SUBMITTED",
        "released_to": [],
    },
    # ------------------------------------------------------------------ demo-manufacturer-7
    {
        "manufacturer": "demo-manufacturer-7",
        "sku": "EW-10",
        "name": "Chastota EW Spectrum Monitor",
        "category": "SOFTWARE",
        "summary": "EW spectrum monitoring and direction finding: detects drone control links "
        "and jammers and plots them on the map.",
        "description": "Chastota turns a network of software-defined radio nodes into a "
        "spectrum picture, detecting and classifying drone control and video links and "
        "hostile jammers. Bearings from several nodes are fused into map positions and "
        "pushed to the situational-awareness system. It is licensed per sensor node.",
        "specs": {
            "deployment": "EDGE",
            "platforms": ["Linux ARM64 SDR node", "Linux x86-64"],
            "autonomy_level": "ASSISTED",
            "integrations": ["VITA 49 (VRT)", "SigMF", "Cursor on Target (CoT)"],
            "licence_model": "PER_PLATFORM",
        },
        "combat_record": {
            "first_deployment": "2023-03-14",
            "roles": ["EW", "ISR", "counter-drone early warning"],
            "evidence": "Deployed with EW companies on the Kharkiv and Donetsk fronts since "
            "2023; 150,000+ emitters classified.",
        },
        "control_entry": "ML11.a",
        "tech_transfer": "NONE",
        "units_available": 60,
        "lead_time_days": 45,
        "unit_price_eur": 85_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "LT", "LV", "EE", "FI"],
    },
    {
        "manufacturer": "demo-manufacturer-7",
        "sku": "EW-20",
        "name": "Zaslin EW Jamming Controller",
        "category": "SOFTWARE",
        "summary": "Controller software for EW jamming stations: schedules, steers and "
        "deconflicts jamming against hostile drones.",
        "description": "Zaslin controls one or more jamming stations from a single console, "
        "protecting positions against hostile drones while keeping own drone links open. "
        "It takes cues from spectrum monitors and applies operator-approved jamming plans. "
        "It is licensed per controlled station.",
        "specs": {
            "deployment": "EDGE",
            "platforms": ["Linux ARM64 SDR node", "Linux x86-64"],
            "autonomy_level": "SUPERVISED",
            "integrations": ["VITA 49 (VRT)", "Cursor on Target (CoT)"],
            "licence_model": "PER_PLATFORM",
        },
        "combat_record": {
            "first_deployment": "2024-02-06",
            "roles": ["EW", "force protection"],
            "evidence": "Protecting positions of several brigades in the Pokrovsk direction "
            "since 2024; 90 stations under control.",
        },
        "control_entry": "ML11.a",
        "tech_transfer": "NONE",
        "units_available": 16,
        "lead_time_days": 90,
        "unit_price_eur": 140_000,
        "status": "PUBLISHED",
        "released_to": ["PL"],
    },
    {
        "manufacturer": "demo-manufacturer-7",
        "sku": "SW-100",
        "name": "Sitka Mesh Command Network",
        "category": "SOFTWARE",
        "summary": "Command-and-control messaging over tactical mesh networks: chat, tasks, "
        "positions and files that survive jamming and link loss.",
        "description": "Sitka gives every soldier's device a shared picture of positions, "
        "tasks and reports over whatever links exist: mesh radios, satellite or LTE. "
        "Messages are stored and forwarded when links drop and are end-to-end encrypted. "
        "It is licensed per seat.",
        "specs": {
            "deployment": "ON_PREMISES",
            "platforms": ["Android 12+", "Linux x86-64", "Windows 11"],
            "autonomy_level": "REMOTE",
            "integrations": ["Cursor on Target (CoT)", "APP-6D symbology", "NVG"],
            "licence_model": "PER_SEAT",
        },
        "combat_record": {
            "first_deployment": "2022-09-01",
            "roles": ["command and control", "communications"],
            "evidence": "In use by territorial defence and mechanised brigades since 2022; "
            "30,000+ active devices.",
        },
        "control_entry": "ML21.b",
        "tech_transfer": "NONE",
        "units_available": 400,
        "lead_time_days": 7,
        "unit_price_eur": 22_000,
        "status": "PUBLISHED",
        "released_to": list(_ALL_PARTNERS),
    },
    # ------------------------------------------------------------------ demo-manufacturer-8
    {
        "manufacturer": "demo-manufacturer-8",
        "sku": "ND-39",
        "name": "Plav Riverine Patrol Drone",
        "category": "NAVAL_DRONE",
        "summary": "3.9 m riverine patrol drone for rivers, lakes and estuaries; shallow "
        "draught, water-jet drive, EO/IR and radar.",
        "description": "Plav patrols rivers and estuaries where larger naval drones cannot "
        "operate, with a 30 cm draught and a water-jet drive that tolerates reeds and debris. "
        "It watches crossing points and islands and reports contacts to the shore. It can "
        "tow a small cargo raft.",
        "specs": {
            "range_km": 250,
            "endurance_h": 20,
            "payload_kg": 150,
            "max_speed_knots": 30,
            "length_m": 3.9,
            "hull": "SURFACE",
            "autonomy_level": "ASSISTED",
            "comms": "Encrypted LOS radio with mesh relay, LTE fallback",
        },
        "combat_record": {
            "first_deployment": "2023-10-12",
            "roles": ["coastal patrol", "ISR", "logistics resupply"],
            "evidence": "Patrolling the lower Dnipro for a marine brigade since 2023; "
            "1,100+ patrols logged.",
        },
        "control_entry": "ML9.a",
        "tech_transfer": "NONE",
        "units_available": 18,
        "lead_time_days": 75,
        "unit_price_eur": 165_000,
        "status": "PUBLISHED",
        "released_to": ["PL", "LT", "LV", "EE", "FI"],
    },
    {
        "manufacturer": "demo-manufacturer-8",
        "sku": "ND-61",
        "name": "Skelia Interceptor Sea Drone",
        "category": "NAVAL_DRONE",
        "summary": "6.1 m interceptor sea drone carrying short-range air-defence and "
        "counter-drone payloads to protect ports and convoys.",
        "description": "Skelia carries a short-range air-defence payload and a stabilised "
        "sensor turret to engage aerial and surface threats away from the coast. It "
        "extends port and convoy protection beyond shore-based systems. Every engagement is "
        "authorised by the operator.",
        "specs": {
            "range_km": 800,
            "endurance_h": 50,
            "payload_kg": 450,
            "max_speed_knots": 45,
            "length_m": 6.1,
            "hull": "SURFACE",
            "autonomy_level": "SUPERVISED",
            "comms": "Dual satellite links, encrypted LOS radio",
        },
        "combat_record": {
            "first_deployment": "2025-02-27",
            "roles": ["air defence", "harbour protection", "strike"],
            "evidence": "Operated by a naval intelligence unit in the Black Sea since early "
            "2025; 15 sorties logged.",
        },
        "control_entry": "ML9.a",
        "tech_transfer": "NONE",
        "units_available": 6,
        "lead_time_days": 200,
        "unit_price_eur": 560_000,
        "status": "SUBMITTED",
        "released_to": [],
    },
    {
        "manufacturer": "demo-manufacturer-8",
        "sku": "GD-660",
        "name": "Volok Amphibious Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Amphibious 6x6 ground drone that crosses rivers and marshland with 400 kg "
        "of cargo or a casualty.",
        "description": "Volok is a wheeled 6x6 carrier with a sealed buoyant hull and "
        "wheel-driven propulsion in water, used to cross rivers and flooded ground without a "
        "bridge. It carries cargo or one litter patient. The listing was returned to the "
        "manufacturer to complete the water-speed trials.",
        "specs": {
            "range_km": 30,
            "endurance_h": 8,
            "payload_kg": 400,
            "max_speed_kmh": 15,
            "mass_kg": 900,
            "drive": "WHEELED",
            "autonomy_level": "REMOTE",
            "comms": "Encrypted mesh radio, satellite option",
        },
        "combat_record": {
            "first_deployment": "2024-08-08",
            "roles": ["logistics resupply", "casualty evacuation", "river crossing"],
            "evidence": "Trialled by a marine brigade in the Kherson region since 2024; "
            "70+ river crossings logged.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "NONE",
        "units_available": 35,
        "lead_time_days": 90,
        "unit_price_eur": 120_000,
        "status": "CHANGES_REQUESTED",
        "released_to": [],
    },
    {
        "manufacturer": "demo-manufacturer-8",
        "sku": "GD-120",
        "name": "Bereh Recon Ground Drone",
        "category": "GROUND_DRONE",
        "summary": "Compact tracked recon ground drone for shorelines and urban ruins, "
        "controlled over fibre-optic cable.",
        "description": "Bereh is small enough to carry in a backpack and climbs rubble and "
        "embankments to look into positions aerial drones cannot see. Its fibre-optic "
        "control link cannot be jammed and emits nothing. It has a thermal camera and a "
        "microphone array.",
        "specs": {
            "range_km": 8,
            "endurance_h": 4,
            "payload_kg": 12,
            "max_speed_kmh": 10,
            "mass_kg": 28,
            "drive": "TRACKED",
            "autonomy_level": "REMOTE",
            "comms": "Fibre-optic spool (8 km), radio backup",
        },
        "combat_record": {
            "first_deployment": "2024-10-03",
            "roles": ["ISR", "urban reconnaissance"],
            "evidence": "Used by reconnaissance units on the Kherson and Zaporizhzhia fronts "
            "since late 2024; 260+ missions logged.",
        },
        "control_entry": "ML6.a",
        "tech_transfer": "NONE",
        "units_available": 140,
        "lead_time_days": 30,
        "unit_price_eur": 24_000,
        "status": "PUBLISHED",
        "released_to": [],
    },
]

# Default licensing rule set. Within one rule all conditions must hold (AND); list-valued
# conditions match if any element matches. Every matching rule adds its flags; the lowest tier
# picks the queue, SLA and approvals. Nothing matching sends the case to TRIAGE (fail closed).
DEMO_ROUTING_RULES: list[dict[str, Any]] = [
    {
        "name": "Licensed production / technology transfer",
        "tier": 1,
        "conditions": {"tech_transfer": ["LICENSED_PRODUCTION"]},
        "queue": "TECH_TRANSFER_REVIEW",
        "flags": ["TECH_TRANSFER"],
        "sla_working_days": 20,
        "approvals_required": 2,
    },
    {
        "name": "Co-production requested",
        "tier": 1,
        "conditions": {"co_production": True},
        "queue": "TECH_TRANSFER_REVIEW",
        "flags": ["CO_PRODUCTION"],
        "sla_working_days": 20,
        "approvals_required": 2,
    },
    {
        "name": "High quantity (50 units or more)",
        "tier": 1,
        "conditions": {"min_quantity": 50},
        "queue": "SENIOR_REVIEW",
        "flags": ["HIGH_VALUE"],
        "sla_working_days": 15,
        "approvals_required": 2,
    },
    {
        "name": "High value (EUR 5 million or more)",
        "tier": 1,
        "conditions": {"min_value_eur": 5_000_000},
        "queue": "SENIOR_REVIEW",
        "flags": ["HIGH_VALUE"],
        "sla_working_days": 15,
        "approvals_required": 2,
    },
    {
        "name": "Delivery to a third country (re-export)",
        "tier": 1,
        "conditions": {"re_export": True},
        "queue": "SENIOR_REVIEW",
        "flags": ["RE_EXPORT", "END_USE_CHECK"],
        "sla_working_days": 15,
        "approvals_required": 2,
    },
    {
        "name": "Military software (ML21)",
        "tier": 2,
        "conditions": {"categories": ["SOFTWARE"], "control_entry_prefixes": ["ML21"]},
        "queue": "SOFTWARE_REVIEW",
        "flags": [],
        "sla_working_days": 10,
        "approvals_required": 1,
    },
    {
        "name": "Electronic warfare (ML11)",
        "tier": 2,
        "conditions": {"control_entry_prefixes": ["ML11"]},
        "queue": "SOFTWARE_REVIEW",
        "flags": ["EW"],
        "sla_working_days": 10,
        "approvals_required": 1,
    },
    {
        "name": "Mines and mine-laying equipment (ML4)",
        "tier": 2,
        "conditions": {"control_entry_prefixes": ["ML4"]},
        "queue": "GROUND_SYSTEMS",
        "flags": ["MUNITIONS"],
        "sla_working_days": 15,
        "approvals_required": 2,
    },
    {
        "name": "Naval drones (ML9)",
        "tier": 2,
        "conditions": {"categories": ["NAVAL_DRONE"]},
        "queue": "NAVAL",
        "flags": [],
        "sla_working_days": 10,
        "approvals_required": 1,
    },
    {
        "name": "EU / NATO destination fast track",
        "tier": 3,
        "conditions": {"destination_groups": ["EU", "NATO"]},
        "queue": "FAST_TRACK",
        "flags": [],
        "sla_working_days": 5,
        "approvals_required": 1,
    },
    {
        "name": "Ground drones, standard review",
        "tier": 4,
        "conditions": {"categories": ["GROUND_DRONE"]},
        "queue": "GROUND_SYSTEMS",
        "flags": [],
        "sla_working_days": 10,
        "approvals_required": 1,
    },
]
