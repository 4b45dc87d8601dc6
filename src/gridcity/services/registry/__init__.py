"""The social base data of the grids (人地事物组织): `records` (places, organisations, households,
residents, things, visits, the access log and every rule about them), `importing` (a registry file
imported row by row with rejects), `personal_crypto` (ID numbers and phones encrypted at rest, with
their blind index and masks)."""
