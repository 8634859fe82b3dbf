"""The programme: rooms, speakers and sessions of an edition."""
