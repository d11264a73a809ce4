// VantageSim: synthetic worlds and scenarios written as MRT archives.
//
// Scenario.swift         the scenario model and its YAML schema
// BuiltinScenarios.swift scenarios embedded in the binary (north-korea-2014)
// BuiltinWorld.swift     the generated world (tier-1s, transit, stubs, countries, North Korea's real facts)
// RIBWorld.swift         a world taken from a real RIB and registry files
// World.swift            the world model shared by both, and path variants for churn
// Simulator.swift        the time-ordered simulation, churn, scenario events, file writing
// ArchiveEncoding.swift  MRT records (TABLE_DUMP_V2, BGP4MP_AS4) as RouteViews writes them
// Random.swift           the seeded generator
