// VantageCore: the observatory's domain layer. No I/O: everything here takes bytes or values that the
// ingest layer read, and returns values.
//
// Tour:
// - Registry/: longest-prefix-match tries; RIR delegation files, AS names, CAIDA prefix-to-AS and AS
//   relationships → "which country and AS does this prefix or ASN belong to".
