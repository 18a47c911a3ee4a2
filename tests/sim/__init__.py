"""Tests of the device simulator (tuya_sim) and of interoperability through it."""
