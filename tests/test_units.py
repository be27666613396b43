import pytest

from layoutx.core.units import ENTITIES, allowed_units, entity_units, lookup_unit, resolve_unit
from layoutx.errors import UnknownEntityError
from tests.conftest import SHARED


def test_entity_units_match_the_challenge_file():
    path = SHARED / "entity_units.json"
    if not path.exists():
        pytest.skip("shared data absent")
    import json

    shipped = {k: tuple(v) for k, v in json.loads(path.read_text()).items()}
    assert entity_units() == shipped
    assert len(ENTITIES) == 8


@pytest.mark.parametrize(
    "written, unit",
    [
        ("g", "gram"), ("gm", "gram"), ("gms", "gram"), ("gr", "gram"), ("Grams", "gram"), ("G", "gram"),
        ("kg", "kilogram"), ("KGS", "kilogram"), ("kilo", "kilogram"), ("mg", "milligram"),
        ("mcg", "microgram"), ("µg", "microgram"), ("\u03bcg", "microgram"), ("ug", "microgram"),
        ("oz", "ounce"), ("Ounces", "ounce"), ("lb", "pound"), ("lbs.", "pound"), ("LBS", "pound"),
        ("ml", "millilitre"), ("mL", "millilitre"), ("cl", "centilitre"), ("dl", "decilitre"), ("l", "litre"),
        ("L", "litre"), ("ltr", "litre"), ("fl oz", "fluid ounce"), ("fl.oz", "fluid ounce"),
        ("FL. OZ.", "fluid ounce"), ("floz", "fluid ounce"), ("gal", "gallon"), ("qt", "quart"), ("pt", "pint"),
        ("cu ft", "cubic foot"), ("cu. in.", "cubic inch"), ("cup", "cup"), ("cups", "cup"),
        ("V", "volt"), ("VAC", "volt"), ("VDC", "volt"), ("kV", "kilovolt"), ("mV", "millivolt"),
        ("W", "watt"), ("kW", "kilowatt"), ("cm", "centimetre"), ("mm", "millimetre"), ("m", "metre"),
        ("in", "inch"), ("inch", "inch"), ("inches", "inch"), ('"', "inch"), ("ft", "foot"), ("feet", "foot"),
        ("'", "foot"), ("yd", "yard"), ("meter", "metre"), ("metre", "metre"), ("foot", "foot"),
        ("Kilograms", "kilogram"), ("Milligrams", "milligram"), ("Micrograms", "microgram"), ("Kilovolts", "kilovolt"),
    ],
)
def test_lookup_unit_aliases(written, unit):
    assert lookup_unit(written) == unit


@pytest.mark.parametrize(
    "written, entity, expected",
    [
        ("m", "height", "metre"),  # metre only on length entities
        ("m", "item_weight", None),
        ('"', "width", "inch"),
        ('"', "item_volume", None),
        ("in", "depth", "inch"),
        ("in", "voltage", None),
        ("'", "height", "foot"),
        ("oz", "item_weight", "ounce"),
        ("oz", "item_volume", None),  # a bare oz is a weight; only a written fluid ounce is a volume
        ("fl oz", "item_volume", "fluid ounce"),
        ("fl oz", "item_weight", None),
        ("kg", "maximum_weight_recommendation", "kilogram"),
        ("kg", "width", None),
        ("hp", "wattage", None),  # horsepower occurs in train.csv but is not an allowed unit
        ("cc", "item_volume", "millilitre"),
        ("T", "maximum_weight_recommendation", "ton"),  # "3T jack"
        ("t", "item_weight", None),  # "190T polyester": a thread count, not tons
        ("tons", "item_weight", "ton"),
        ("1b", "item_weight", "pound"),  # "lb" read with a one
        ("xyz", "width", None),
    ],
)
def test_resolve_unit_by_entity(written, entity, expected):
    assert resolve_unit(written, entity) == expected


def test_unknown_entity_is_a_typed_error_listing_valid_names():
    with pytest.raises(UnknownEntityError) as err:
        allowed_units("colour")
    assert "item_weight" in str(err.value) and "colour" in str(err.value)


def test_gsm_fabric_weight_reads_as_gram():
    """The official train gold reads a fabric's "160GSM" (grams per square metre) as its item_weight."""
    from layoutx.core.units import resolve_unit

    assert resolve_unit("GSM", "item_weight") == "gram"
    assert resolve_unit("gsm", "width") is None


@pytest.mark.parametrize("written", ["f oz", "F OZ", "fi oz", "fioz", "FIOZ"])
def test_fluid_ounce_with_its_l_dropped_or_misread(written):
    """OCR drops the "l" of "fl oz" or reads it as "i"; only a volume may use the unit."""
    assert resolve_unit(written, "item_volume") == "fluid ounce"
    assert resolve_unit(written, "item_weight") is None
