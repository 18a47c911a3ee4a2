"""The entity-description templates: one table per platform, keyed by ``(kind, role)``.

These are rows, not logic. The library says what each DP is (a
:class:`~.tuyalan.dpmap.DpSpec`'s kind and role); a row here says how such a DP shows in
Home Assistant (name, device class, unit, category). :mod:`.mapping` fills a row with
the DP's own facts. Adding a kind or a role is a row here (and its name in
``strings.json`` when it has a translation key); an entity made of several DPs is a row
of :data:`COMPOSITES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.cover import CoverDeviceClass
from homeassistant.components.number import NumberDeviceClass, NumberMode
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.const import (
    LIGHT_LUX,
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfDensity,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfRatio,
    UnitOfTemperature,
    UnitOfTime,
)

from .descriptions import (
    RAW_SUFFIX,
    TuyaLanBinarySensorEntityDescription,
    TuyaLanClimateEntityDescription,
    TuyaLanCompositeEntityDescription,
    TuyaLanCoverEntityDescription,
    TuyaLanEntityDescription,
    TuyaLanFanEntityDescription,
    TuyaLanHumidifierEntityDescription,
    TuyaLanLightEntityDescription,
    TuyaLanNumberEntityDescription,
    TuyaLanSelectEntityDescription,
    TuyaLanSensorEntityDescription,
    TuyaLanSwitchEntityDescription,
)
from .tuyalan.dpmap import (
    ROLE_BATTERY,
    ROLE_BATTERY_STATE,
    ROLE_CHILD_LOCK,
    ROLE_CO2,
    ROLE_DOOR,
    ROLE_ENERGY_RETURNED,
    ROLE_FAULT,
    ROLE_FAULT_CODE,
    ROLE_GAS,
    ROLE_HUMIDITY,
    ROLE_ILLUMINANCE,
    ROLE_INDICATOR,
    ROLE_INDICATOR_MODE,
    ROLE_LEAKAGE_CURRENT,
    ROLE_MOISTURE,
    ROLE_MOTION,
    ROLE_OVERCHARGE,
    ROLE_PM25,
    ROLE_POWER_ON,
    ROLE_SMOKE,
    ROLE_TEMPERATURE,
    ROLE_USB,
    ROLE_USB_COUNTDOWN,
    DpKind,
)
from .values import phase_value, problem_value

type Key = tuple[DpKind, str | None]

# --- the templates, one table per platform, keyed by (kind, role) ----------------------

_CONFIG = EntityCategory.CONFIG
_DIAGNOSTIC = EntityCategory.DIAGNOSTIC

SWITCHES: Final[dict[Key, TuyaLanSwitchEntityDescription]] = {
    (DpKind.SWITCH, None): TuyaLanSwitchEntityDescription(
        key="switch",
        device_class=SwitchDeviceClass.OUTLET,
        indexed_translation_key="switch_index",
    ),
    (DpKind.SWITCH, ROLE_USB): TuyaLanSwitchEntityDescription(
        key="usb", translation_key="usb", indexed_translation_key="usb_index"
    ),
    (DpKind.CONFIG_SWITCH, None): TuyaLanSwitchEntityDescription(
        key="dp", translation_key="dp", entity_category=_CONFIG
    ),
    (DpKind.CONFIG_SWITCH, ROLE_CHILD_LOCK): TuyaLanSwitchEntityDescription(
        key="child_lock", translation_key="child_lock", entity_category=_CONFIG
    ),
    (DpKind.CONFIG_SWITCH, ROLE_INDICATOR): TuyaLanSwitchEntityDescription(
        key="indicator", translation_key="indicator", entity_category=_CONFIG
    ),
    (DpKind.CONFIG_SWITCH, ROLE_OVERCHARGE): TuyaLanSwitchEntityDescription(
        key="overcharge", translation_key="overcharge_protection", entity_category=_CONFIG
    ),
}

_COUNTDOWN = TuyaLanNumberEntityDescription(
    key="countdown",
    translation_key="countdown",
    indexed_translation_key="countdown_index",
    device_class=NumberDeviceClass.DURATION,
    native_unit_of_measurement=UnitOfTime.SECONDS,
    mode=NumberMode.BOX,
)
NUMBERS: Final[dict[Key, TuyaLanNumberEntityDescription]] = {
    (DpKind.COUNTDOWN, None): _COUNTDOWN,
    (DpKind.COUNTDOWN, ROLE_USB_COUNTDOWN): TuyaLanNumberEntityDescription(
        key="usb_countdown",
        translation_key="usb_countdown",
        indexed_translation_key="usb_countdown_index",
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        mode=NumberMode.BOX,
    ),
}

SELECTS: Final[dict[Key, TuyaLanSelectEntityDescription]] = {
    (DpKind.SELECT, None): TuyaLanSelectEntityDescription(
        key="dp", translation_key="dp", entity_category=_CONFIG
    ),
    (DpKind.SELECT, ROLE_POWER_ON): TuyaLanSelectEntityDescription(
        key="power_on",
        translation_key="power_on_behavior",
        indexed_translation_key="power_on_behavior_index",
        entity_category=_CONFIG,
    ),
    (DpKind.SELECT, ROLE_INDICATOR_MODE): TuyaLanSelectEntityDescription(
        key="indicator_mode", translation_key="indicator_mode", entity_category=_CONFIG
    ),
}

BINARY_SENSORS: Final[dict[Key, TuyaLanBinarySensorEntityDescription]] = {
    (DpKind.PROBLEM, None): TuyaLanBinarySensorEntityDescription(
        key="dp",
        translation_key="dp",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=_DIAGNOSTIC,
        value_fn=problem_value,
    ),
    (DpKind.PROBLEM, ROLE_FAULT): TuyaLanBinarySensorEntityDescription(
        key="fault",
        translation_key="fault",
        indexed_translation_key="fault_index",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=_DIAGNOSTIC,
        value_fn=problem_value,
    ),
    # On/off states a sensor reports (the library's code rows say which values are
    # on); named by their device class, as in Home Assistant core's tuya integration.
    (DpKind.BINARY, None): TuyaLanBinarySensorEntityDescription(key="dp", translation_key="dp"),
    (DpKind.BINARY, ROLE_DOOR): TuyaLanBinarySensorEntityDescription(
        key="door", device_class=BinarySensorDeviceClass.DOOR
    ),
    (DpKind.BINARY, ROLE_MOTION): TuyaLanBinarySensorEntityDescription(
        key="motion", device_class=BinarySensorDeviceClass.MOTION
    ),
    (DpKind.BINARY, ROLE_SMOKE): TuyaLanBinarySensorEntityDescription(
        key="smoke", device_class=BinarySensorDeviceClass.SMOKE
    ),
    (DpKind.BINARY, ROLE_GAS): TuyaLanBinarySensorEntityDescription(
        key="gas", device_class=BinarySensorDeviceClass.GAS
    ),
    (DpKind.BINARY, ROLE_MOISTURE): TuyaLanBinarySensorEntityDescription(
        key="moisture", device_class=BinarySensorDeviceClass.MOISTURE
    ),
}

_MEASUREMENT = SensorStateClass.MEASUREMENT
_CURRENT = TuyaLanSensorEntityDescription(
    key="current",
    native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
    device_class=SensorDeviceClass.CURRENT,
    state_class=_MEASUREMENT,
    suggested_display_precision=3,
    indexed_translation_key="current_index",
)
_ENERGY_TOTAL = TuyaLanSensorEntityDescription(
    key="energy_total",
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    device_class=SensorDeviceClass.ENERGY,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=2,
    translation_key="energy_total",
    indexed_translation_key="energy_total_index",
)
SENSORS: Final[dict[Key, TuyaLanSensorEntityDescription]] = {
    (DpKind.CURRENT, None): _CURRENT,
    (DpKind.CURRENT, ROLE_LEAKAGE_CURRENT): TuyaLanSensorEntityDescription(
        key="leakage_current",
        translation_key="leakage_current",
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        device_class=SensorDeviceClass.CURRENT,
        state_class=_MEASUREMENT,
        suggested_display_precision=3,
    ),
    (DpKind.POWER, None): TuyaLanSensorEntityDescription(
        key="power",
        native_unit_of_measurement=UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=_MEASUREMENT,
        suggested_display_precision=1,
        indexed_translation_key="power_index",
    ),
    (DpKind.VOLTAGE, None): TuyaLanSensorEntityDescription(
        key="voltage",
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=_MEASUREMENT,
        suggested_display_precision=1,
        indexed_translation_key="voltage_index",
    ),
    (DpKind.ENERGY, None): TuyaLanSensorEntityDescription(
        key="energy",
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=3,
        indexed_translation_key="energy_index",
        accumulate=True,
    ),
    (DpKind.ENERGY_TOTAL, None): _ENERGY_TOTAL,
    (DpKind.ENERGY_TOTAL, ROLE_ENERGY_RETURNED): TuyaLanSensorEntityDescription(
        key="energy_returned",
        translation_key="energy_returned",
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
    ),
    (DpKind.ENUM, None): TuyaLanSensorEntityDescription(
        key="dp", translation_key="dp", device_class=SensorDeviceClass.ENUM
    ),
    (DpKind.ENUM, ROLE_FAULT_CODE): TuyaLanSensorEntityDescription(
        key="fault_code",
        translation_key="fault_code",
        device_class=SensorDeviceClass.ENUM,
        entity_category=_DIAGNOSTIC,
    ),
    (DpKind.ENUM, ROLE_BATTERY_STATE): TuyaLanSensorEntityDescription(
        key="battery_state",
        translation_key="battery_state",
        device_class=SensorDeviceClass.ENUM,
        entity_category=_DIAGNOSTIC,
    ),
    (DpKind.SENSOR, None): TuyaLanSensorEntityDescription(key="dp", translation_key="dp"),
    # Readings a sensor's code names (the library's code rows; the model's scale, and
    # for a temperature its unit, come with the DP); named by their device class.
    (DpKind.SENSOR, ROLE_TEMPERATURE): TuyaLanSensorEntityDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=_MEASUREMENT,
    ),
    (DpKind.SENSOR, ROLE_HUMIDITY): TuyaLanSensorEntityDescription(
        key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=_MEASUREMENT,
    ),
    (DpKind.SENSOR, ROLE_BATTERY): TuyaLanSensorEntityDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=_MEASUREMENT,
        entity_category=_DIAGNOSTIC,
    ),
    (DpKind.SENSOR, ROLE_CO2): TuyaLanSensorEntityDescription(
        key="co2",
        device_class=SensorDeviceClass.CO2,
        native_unit_of_measurement=UnitOfRatio.PARTS_PER_MILLION,
        state_class=_MEASUREMENT,
    ),
    (DpKind.SENSOR, ROLE_PM25): TuyaLanSensorEntityDescription(
        key="pm25",
        device_class=SensorDeviceClass.PM25,
        native_unit_of_measurement=UnitOfDensity.MICROGRAMS_PER_CUBIC_METER,
        state_class=_MEASUREMENT,
    ),
    (DpKind.SENSOR, ROLE_ILLUMINANCE): TuyaLanSensorEntityDescription(
        key="illuminance",
        device_class=SensorDeviceClass.ILLUMINANCE,
        native_unit_of_measurement=LIGHT_LUX,
        state_class=_MEASUREMENT,
    ),
    (DpKind.RAW, None): TuyaLanSensorEntityDescription(
        key="dp",
        translation_key="dp",
        entity_category=_DIAGNOSTIC,
        entity_registry_enabled_default=False,
        unique_id_suffix=RAW_SUFFIX,
    ),
}
# The sensors a breaker's phase DP becomes, in decode_phase's order.
PHASE_SENSORS: Final = (
    TuyaLanSensorEntityDescription(
        key="voltage",
        translation_key="phase_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=_MEASUREMENT,
        suggested_display_precision=1,
        value_fn=partial(phase_value, part=0),
        unique_id_suffix="_voltage",
    ),
    TuyaLanSensorEntityDescription(
        key="current",
        translation_key="phase_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=_MEASUREMENT,
        suggested_display_precision=3,
        value_fn=partial(phase_value, part=1),
        unique_id_suffix="_current",
    ),
    TuyaLanSensorEntityDescription(
        key="power",
        translation_key="phase_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        state_class=_MEASUREMENT,
        suggested_display_precision=3,
        value_fn=partial(phase_value, part=2),
        unique_id_suffix="_power",
    ),
)
PHASE_SUFFIXES: Final = tuple(template.unique_id_suffix for template in PHASE_SENSORS)

TEMPLATES: Final[dict[Platform, Mapping[Key, TuyaLanEntityDescription]]] = {
    Platform.SWITCH: SWITCHES,
    Platform.NUMBER: NUMBERS,
    Platform.SELECT: SELECTS,
    Platform.BINARY_SENSOR: BINARY_SENSORS,
    Platform.SENSOR: SENSORS,
}
# Where each kind's entity lives (IGNORE: nowhere; PHASE: sensors).
PLATFORM_OF: Final[dict[DpKind, Platform]] = {
    DpKind.PHASE: Platform.SENSOR,
    **{kind: platform for platform, table in TEMPLATES.items() for kind, _ in table},
}


# Entities made of several DPs (the library's groups), one template per kind: the
# parts come from the model, so a new category is a row in the library's
# COMPOSITE_ROWS and, for a new kind, a row here.
COMPOSITES: Final[dict[DpKind, tuple[Platform, TuyaLanCompositeEntityDescription]]] = {
    DpKind.LIGHT: (
        Platform.LIGHT,
        TuyaLanLightEntityDescription(key="light", indexed_translation_key="light_index"),
    ),
    DpKind.COVER: (
        Platform.COVER,
        TuyaLanCoverEntityDescription(
            key="curtain",
            translation_key="curtain",
            indexed_translation_key="curtain_index",
            device_class=CoverDeviceClass.CURTAIN,
        ),
    ),
    DpKind.CLIMATE: (
        Platform.CLIMATE,
        TuyaLanClimateEntityDescription(key="climate"),
    ),
    DpKind.FAN: (
        Platform.FAN,
        TuyaLanFanEntityDescription(key="fan"),
    ),
    DpKind.HUMIDIFIER: (
        Platform.HUMIDIFIER,
        TuyaLanHumidifierEntityDescription(key="humidifier"),
    ),
}
