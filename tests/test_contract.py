"""Every registered mechanism keeps the mechanism contract (tests/contract.py).

One subclass of :class:`MechanismContract` per mechanism of the default
registry, made here from the registry itself, so a mechanism added to the
list is held to the contract with no other change.  A mechanism whose
contract needs settings of its own (``overrides``) gets an explicit subclass.
"""

from contract import MechanismContract

from neorealism.mechanisms.registry import current, default_mechanisms

for _m in default_mechanisms():
    _name = "Test" + "".join(part.title() for part in _m.name.split("_"))
    globals()[_name] = type(_name, (MechanismContract,), {"mechanism": _m})


def test_every_registered_mechanism_has_a_contract_test():
    tested = {cls.mechanism.name for cls in MechanismContract.__subclasses__()}
    assert {m.name for m in current().mechanisms} <= tested
    assert len(tested) >= 10
