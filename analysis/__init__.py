"""Manyi's statistics: pure functions, DataFrame in, typed and labelled result out (no Flask, no ORM)."""
