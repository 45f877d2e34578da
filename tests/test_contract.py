"""Every registered mechanism keeps the mechanism contract (tests/contract.py)."""

from contract import MechanismContract

from neorealism.mechanisms import (
    alliances,
    armament,
    authority,
    conflict,
    geography,
    growth,
    perception,
    polarity,
    structure,
    threat,
)
from neorealism.mechanisms.registry import current


class TestStructure(MechanismContract):
    mechanism = structure.MECHANISM


class TestPolarity(MechanismContract):
    mechanism = polarity.MECHANISM


class TestGeography(MechanismContract):
    mechanism = geography.MECHANISM


class TestPerception(MechanismContract):
    mechanism = perception.MECHANISM


class TestThreat(MechanismContract):
    mechanism = threat.MECHANISM


class TestArmament(MechanismContract):
    mechanism = armament.MECHANISM


class TestConflict(MechanismContract):
    mechanism = conflict.MECHANISM


class TestAlliances(MechanismContract):
    mechanism = alliances.MECHANISM


class TestAuthority(MechanismContract):
    mechanism = authority.MECHANISM


class TestGrowth(MechanismContract):
    mechanism = growth.MECHANISM


def test_every_registered_mechanism_has_a_contract_test():
    tested = {cls.mechanism.name for cls in MechanismContract.__subclasses__()}
    assert {m.name for m in current().mechanisms} <= tested
