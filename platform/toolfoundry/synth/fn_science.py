"""Callable functions: physics, chemistry, unit conversion, health and fitness."""

from __future__ import annotations

import datetime as dt
import math

from toolfoundry.synth import tables
from toolfoundry.synth.fnspec import (
    DATE,
    ENUM,
    INT,
    NUM,
    NUMS,
    PCT,
    POOL,
    QTY,
    REFERENCE,
    SCI,
    Registry,
    Weak,
    bad,
    opt,
    req,
)

PHYS = Registry("physics", "physics")
CHEM = Registry("chemistry", "chem")
UNITS = Registry("units", "units")
HEALTH = Registry("health", "health")

G_EARTH = 9.81
G_CONST = 6.674e-11
C_LIGHT = 299_792_458.0
H_PLANCK = 6.62607015e-34
AVOGADRO = 6.02214076e23
R_GAS = 0.082057  # L·atm/(mol·K)

_GRAVITY = opt("gravity", QTY(1.6, 24.8, "m/s2", whole=0.1), "Gravitational acceleration.", default=G_EARTH,
               say=("with gravity {v}", "where g = {v}", "on a planet with g = {v}"), names=("g",))
_MASS = QTY(0.1, 2000, "kg")
_SPEED = QTY(0.5, 120, "m/s")
_TIME_S = QTY(0.5, 120, "s")

# --------------------------------------------------------------------------------------------------
# physics
# --------------------------------------------------------------------------------------------------

PHYS("average_speed", "calculate", "Calculate the average speed from distance and time", "the speed in km/h",
     "average speed",
     [req("distance", QTY(1, 1500, "km"), "Distance travelled in kilometers.", names=("distance_km",)),
      req("time", QTY(0.25, 20, "h", whole=0.4), "Time taken in hours.", names=("hours", "time_hours"))],
     lambda distance, time: distance / time if time > 0 else bad("time", "is 0", "a positive duration"),
     ["I drove {distance} in {time}. What was my average speed?", "Average speed for {distance} covered in {time}?",
      "{lead} {verb} the speed if a train travels {distance} in {time}?"])

PHYS("final_velocity", "calculate", "Calculate the final velocity under constant acceleration (v = u + a*t)",
     "the final velocity in m/s", "final velocity",
     [req("initial_velocity", QTY(0, 50, "m/s"), "Initial velocity in m/s.", names=("u", "v0")),
      req("acceleration", QTY(-10, 15, "m/s2", minimum=None), "Acceleration in m/s^2.", names=("a",)),
      req("time", _TIME_S, "Elapsed time in seconds.", names=("t",))],
     lambda initial_velocity, acceleration, time: initial_velocity + acceleration * time,
     ["A car moving at {initial_velocity} accelerates at {acceleration} for {time}. How fast is it going?",
      "Final velocity with u = {initial_velocity}, a = {acceleration}, t = {time}?",
      "{lead} {verb} the final speed of an object starting at {initial_velocity} with acceleration {acceleration} "
      "after {time}?"])

PHYS("displacement", "calculate", "Calculate displacement under constant acceleration (s = u*t + a*t^2/2)",
     "the displacement in meters", "displacement",
     [req("initial_velocity", QTY(0, 40, "m/s"), "Initial velocity in m/s.", names=("u",)),
      req("acceleration", QTY(-5, 12, "m/s2", minimum=None), "Acceleration in m/s^2.", names=("a",)),
      req("time", _TIME_S, "Time in seconds.", names=("t",))],
     lambda initial_velocity, acceleration, time: initial_velocity * time + acceleration * time ** 2 / 2,
     ["How far does an object go in {time} starting at {initial_velocity} with acceleration {acceleration}?",
      "Displacement for u = {initial_velocity}, a = {acceleration}, t = {time}."])


def _free_fall(height, gravity=G_EARTH):
    t = math.sqrt(2 * height / gravity)
    return {"time_seconds": t, "impact_velocity": gravity * t}


PHYS("free_fall", "calculate", "Calculate fall time and impact speed of an object dropped from rest",
     "the fall time and impact velocity", "free fall",
     [req("height", QTY(1, 500, "m"), "Drop height in meters.", names=("h", "drop_height")), _GRAVITY],
     _free_fall,
     ["How long does it take a rock dropped from {height} to hit the ground?",
      "Free fall from {height}: time and impact speed?",
      "{lead} {verb} the fall time for a drop of {height}?"],
     weak=Weak(note="Earth gravity only."))


def _projectile(velocity, angle_degrees, gravity=G_EARTH):
    th = math.radians(angle_degrees)
    return {"range": velocity ** 2 * math.sin(2 * th) / gravity,
            "max_height": (velocity * math.sin(th)) ** 2 / (2 * gravity),
            "flight_time": 2 * velocity * math.sin(th) / gravity}


PHYS("projectile_motion", "calculate", "Calculate range, peak height and flight time of a projectile on level ground",
     "range, maximum height and time of flight", "projectile range",
     [req("velocity", QTY(1, 100, "m/s"), "Launch speed in m/s.", names=("speed", "v0")),
      req("angle_degrees", INT(5, 85), "Launch angle in degrees.", names=("angle", "theta")), _GRAVITY],
     _projectile,
     ["A ball is kicked at {velocity} at an angle of {angle_degrees} degrees. How far does it go?",
      "Projectile launched at {velocity}, {angle_degrees} degrees: range and max height?",
      "{lead} {verb} the range of a projectile with speed {velocity} and angle {angle_degrees} degrees?"])

PHYS("force", "calculate", "Calculate force from mass and acceleration (F = m*a)", "the force in newtons",
     "force",
     [req("mass", _MASS, "Mass in kilograms.", names=("m", "mass_kg")),
      req("acceleration", QTY(0.1, 50, "m/s2"), "Acceleration in m/s^2.", names=("a",))],
     lambda mass, acceleration: mass * acceleration,
     ["What force accelerates {mass} at {acceleration}?", "F = m*a with m = {mass} and a = {acceleration}.",
      "{lead} {verb} the net force on a {mass} object accelerating at {acceleration}?"])

PHYS("kinetic_energy", "calculate", "Calculate kinetic energy (KE = m*v^2/2)", "the energy in joules", "kinetic energy",
     [req("mass", _MASS, "Mass in kilograms.", names=("m", "mass_kg")),
      req("velocity", _SPEED, "Speed in m/s.", names=("v", "speed"))],
     lambda mass, velocity: mass * velocity ** 2 / 2,
     ["What is the kinetic energy of a {mass} object moving at {velocity}?", "KE for m = {mass}, v = {velocity}?",
      "How much kinetic energy does a {mass} cart have at {velocity}?"])

PHYS("potential_energy", "calculate", "Calculate gravitational potential energy (PE = m*g*h)", "the energy in joules",
     "potential energy",
     [req("mass", _MASS, "Mass in kilograms.", names=("m",)),
      req("height", QTY(0.5, 1000, "m"), "Height in meters.", names=("h",)),
      _GRAVITY],
     lambda mass, height, gravity=G_EARTH: mass * gravity * height,
     ["What is the potential energy of a {mass} mass lifted {height}?", "PE of {mass} at a height of {height}?",
      "{lead} {verb} the gravitational potential energy for m = {mass}, h = {height}?"],
     weak=Weak(note="Assumes Earth gravity."))

PHYS("work_done", "calculate", "Calculate the work done by a force over a distance", "the work in joules", "work done",
     [req("force", QTY(1, 5000, "N"), "Force in newtons.", names=("f",)),
      req("distance", QTY(0.1, 500, "m"), "Distance in meters.", names=("d", "displacement")),
      opt("angle_degrees", INT(0, 89), "Angle between force and motion, in degrees.", default=0,
          say=("at an angle of {v} degrees", "pulling at {v} degrees"), names=("angle",))],
     lambda force, distance, angle_degrees=0: force * distance * math.cos(math.radians(angle_degrees)),
     ["How much work is done pushing with {force} over {distance}?", "Work for a force of {force} over {distance}?",
      "{lead} {verb} the work when {force} moves a box {distance}?"],
     weak=Weak(note="Force parallel to motion only."))

PHYS("power_output", "calculate", "Calculate power from work and time (P = W/t)", "the power in watts", "power",
     [req("work", QTY(10, 100000, "J"), "Work or energy in joules.", names=("energy",)),
      req("time", _TIME_S, "Time in seconds.", names=("t",))],
     lambda work, time: work / time,
     ["What power is needed to do {work} of work in {time}?", "Power if {work} is used in {time}?",
      "A motor does {work} of work in {time}. What is its power?"])

_VOLT = QTY(1, 240, "V")
_AMP = QTY(0.01, 30, "A", whole=0.3)
_OHM = QTY(1, 10000, "ohm")
PHYS("voltage", "calculate", "Calculate voltage with Ohm's law (V = I*R)", "the voltage in volts", "voltage",
     [req("current", _AMP, "Current in amperes.", names=("i", "amps")),
      req("resistance", _OHM, "Resistance in ohms.", names=("r", "ohms"))],
     lambda current, resistance: current * resistance,
     ["What voltage drives {current} through {resistance}?", "V = I*R with I = {current} and R = {resistance}?",
      "{lead} {verb} the voltage across a {resistance} resistor carrying {current}?"], module="electric")

PHYS("current", "calculate", "Calculate current with Ohm's law (I = V/R)", "the current in amperes", "current",
     [req("voltage", _VOLT, "Voltage in volts.", names=("v", "volts")),
      req("resistance", _OHM, "Resistance in ohms.", names=("r", "ohms"))],
     lambda voltage, resistance: voltage / resistance,
     ["How much current flows through {resistance} at {voltage}?", "Current for V = {voltage}, R = {resistance}?",
      "A {voltage} battery is connected to a {resistance} resistor. What current flows?"], module="electric")

PHYS("resistance", "calculate", "Calculate resistance with Ohm's law (R = V/I)", "the resistance in ohms", "resistance",
     [req("voltage", _VOLT, "Voltage in volts.", names=("v",)),
      req("current", _AMP, "Current in amperes.", names=("i",))],
     lambda voltage, current: voltage / current,
     ["What resistance gives {current} at {voltage}?", "R = V/I for {voltage} and {current}?"], module="electric")

PHYS("electrical_power", "calculate", "Calculate electrical power (P = V*I)", "the power in watts", "electrical power",
     [req("voltage", _VOLT, "Voltage in volts.", names=("v",)),
      req("current", _AMP, "Current in amperes.", names=("i",))],
     lambda voltage, current: voltage * current,
     ["How many watts does a device drawing {current} at {voltage} use?", "Power for {voltage} and {current}?"],
     module="electric")

PHYS("equivalent_resistance", "calculate", "Calculate the total resistance of resistors in series or parallel",
     "the equivalent resistance in ohms", "equivalent resistance",
     [req("resistances", NUMS(2, 6, 1, 1000, forms=("and", "bracket", "commas")), "Each resistance in ohms.",
          names=("resistors", "values")),
      req("configuration",
          ENUM(("series", "parallel"), {"series": ("in series", "series"), "parallel": ("in parallel", "parallel")}),
          "How the resistors are connected.", names=("mode", "connection"))],
     lambda resistances, configuration: sum(resistances) if configuration == "series"
     else 1 / sum(1 / r for r in resistances) if min(resistances) > 0 else bad("resistances", "contains 0",
                                                                               "positive values"),
     ["What is the total resistance of {resistances} ohm resistors connected {configuration}?",
      "Equivalent resistance of {resistances} ohms, {configuration}?",
      "I wire resistors of {resistances} ohms {configuration}. What's the combined resistance?"], module="electric",
     weak=Weak(enums={"configuration": ("series",)}, note="Series circuits only."))

PHYS("density", "calculate", "Calculate density from mass and volume", "the density in kg/m^3", "density",
     [req("mass", _MASS, "Mass in kilograms.", names=("m",)),
      req("volume", QTY(0.001, 10, "m3", decimals=3), "Volume in cubic meters.", names=("v",))],
     lambda mass, volume: mass / volume,
     ["What is the density of an object with mass {mass} and volume {volume}?",
      "Density for {mass} occupying {volume}?"])

PHYS("pressure", "calculate", "Calculate pressure from force and area (P = F/A)", "the pressure in pascals", "pressure",
     [req("force", QTY(1, 50000, "N"), "Force in newtons.", names=("f",)),
      req("area", QTY(0.01, 100, "m2"), "Area in square meters.", names=("a",))],
     lambda force, area: force / area,
     ["What pressure does {force} exert on {area}?", "Pressure for F = {force}, A = {area}?"])

PHYS("wave_speed", "calculate", "Calculate wave speed from frequency and wavelength", "the speed in m/s", "wave speed",
     [req("frequency", QTY(1, 20000, "Hz"), "Frequency in hertz.", names=("f",)),
      req("wavelength", QTY(0.01, 100, "m"), "Wavelength in meters.", names=("lambda_m", "wave_length"))],
     lambda frequency, wavelength: frequency * wavelength,
     ["How fast does a wave with frequency {frequency} and wavelength {wavelength} travel?",
      "Wave speed for f = {frequency}, wavelength {wavelength}?"])

PHYS("wavelength", "calculate", "Calculate wavelength from frequency and propagation speed", "the wavelength in meters",
     "wavelength",
     [req("frequency", SCI(1, 9.9, 3, 15), "Frequency in hertz.", names=("f",)),
      opt("speed", QTY(300, 1500, "m/s", whole=0.9), "Propagation speed in m/s (light in vacuum by default).",
          default=C_LIGHT, say=("in a medium where waves travel at {v}", "with a wave speed of {v}"),
          names=("velocity",))],
     lambda frequency, speed=C_LIGHT: speed / frequency,
     ["What is the wavelength of radiation at {frequency} Hz?", "Wavelength for a frequency of {frequency} hertz?"],
     weak=Weak(note="Electromagnetic waves in vacuum only."))

PHYS("gravitational_force", "calculate", "Calculate the gravitational attraction between two masses (Newton's law)",
     "the force in newtons", "gravitational force",
     [req("mass_1", SCI(1, 9.9, 20, 30), "First mass in kilograms.", names=("m1",)),
      req("mass_2", SCI(1, 9.9, 20, 30), "Second mass in kilograms.", names=("m2",)),
      req("distance", SCI(1, 9.9, 6, 12), "Distance between the centers in meters.", names=("r",))],
     lambda mass_1, mass_2, distance: G_CONST * mass_1 * mass_2 / distance ** 2,
     ["What is the gravitational force between masses of {mass_1} kg and {mass_2} kg that are {distance} m apart?",
      "Newtonian gravity: m1 = {mass_1} kg, m2 = {mass_2} kg, r = {distance} m."])

PHYS("escape_velocity", "calculate", "Calculate the escape velocity from a body's surface", "the speed in m/s",
     "escape velocity",
     [req("mass", SCI(1, 9.9, 22, 27), "Mass of the body in kilograms.", names=("m", "planet_mass")),
      req("radius", SCI(1, 9.9, 5, 7), "Radius of the body in meters.", names=("r", "planet_radius"))],
     lambda mass, radius: math.sqrt(2 * G_CONST * mass / radius),
     ["What is the escape velocity of a planet with mass {mass} kg and radius {radius} m?",
      "Escape speed for M = {mass} kg, R = {radius} m?"])

PHYS("momentum", "calculate", "Calculate linear momentum (p = m*v)", "the momentum in kg*m/s", "momentum",
     [req("mass", _MASS, "Mass in kilograms.", names=("m",)),
      req("velocity", _SPEED, "Velocity in m/s.", names=("v",))],
     lambda mass, velocity: mass * velocity,
     ["What is the momentum of a {mass} object moving at {velocity}?", "p for m = {mass}, v = {velocity}?"])

PHYS("centripetal_force", "calculate", "Calculate the centripetal force for circular motion", "the force in newtons",
     "centripetal force",
     [req("mass", _MASS, "Mass in kilograms.", names=("m",)), req("velocity", _SPEED, "Speed in m/s.", names=("v",)),
      req("radius", QTY(0.5, 500, "m"), "Radius of the circle in meters.", names=("r",))],
     lambda mass, velocity, radius: mass * velocity ** 2 / radius,
     ["What centripetal force keeps a {mass} car at {velocity} on a curve of radius {radius}?",
      "Centripetal force: m = {mass}, v = {velocity}, r = {radius}."])

PHYS("pendulum_period", "calculate", "Calculate the period of a simple pendulum", "the period in seconds",
     "pendulum period",
     [req("length", QTY(0.1, 20, "m"), "Length of the pendulum in meters.", names=("l",)), _GRAVITY],
     lambda length, gravity=G_EARTH: 2 * math.pi * math.sqrt(length / gravity),
     ["What is the period of a pendulum {length} long?", "How long does one swing of a {length} pendulum take?"],
     weak=Weak(note="Earth gravity only."))

PHYS("heat_energy", "calculate", "Calculate heat needed to change a mass's temperature (Q = m*c*dT)",
     "the heat in joules", "heat energy",
     [req("mass", QTY(0.1, 100, "kg"), "Mass in kilograms.", names=("m",)),
      req("specific_heat", QTY(100, 4200, "J/kgK", whole=0.9), "Specific heat capacity in J/(kg*K).", names=("c",)),
      req("temperature_change", QTY(1, 100, "C"), "Temperature change in degrees Celsius (or kelvin).",
          names=("delta_t", "dt"))],
     lambda mass, specific_heat, temperature_change: mass * specific_heat * temperature_change,
     ["How much heat raises {mass} of a material with specific heat {specific_heat} by {temperature_change}?",
      "Q = m c dT with m = {mass}, c = {specific_heat}, dT = {temperature_change}."])

PHYS("spring_force", "calculate", "Calculate the restoring force of a spring (Hooke's law)", "the force in newtons",
     "spring force",
     [req("spring_constant", QTY(1, 5000, "N/m"), "Spring constant in N/m.", names=("k",)),
      req("displacement", QTY(0.01, 2, "m", decimals=2, whole=0.1), "Extension or compression in meters.",
          names=("x",))],
     lambda spring_constant, displacement: spring_constant * displacement,
     ["What force does a spring with k = {spring_constant} exert when stretched {displacement}?",
      "Hooke's law: k = {spring_constant}, x = {displacement}."])

PHYS("photon_energy", "calculate", "Calculate a photon's energy from its wavelength", "the energy in joules and eV",
     "photon energy",
     [req("wavelength_nm", QTY(100, 1000, "nm"), "Wavelength in nanometers.", names=("wavelength",))],
     lambda wavelength_nm: (lambda e: {"joules": e, "electron_volts": e / 1.602176634e-19})(
         H_PLANCK * C_LIGHT / (wavelength_nm * 1e-9)),
     ["What is the energy of a photon with wavelength {wavelength_nm}?", "Photon energy at {wavelength_nm}?"])

PHYS("capacitor_energy", "calculate", "Calculate the energy stored in a capacitor (E = C*V^2/2)",
     "the energy in joules",
     "energy stored in a capacitor",
     [req("capacitance", NUM(0.0001, 0.05, decimals=4, whole=0), "Capacitance in farads.", names=("c",)),
      req("voltage", _VOLT, "Voltage in volts.", names=("v",))],
     lambda capacitance, voltage: capacitance * voltage ** 2 / 2,
     ["How much energy is in a {capacitance} F capacitor charged to {voltage}?",
      "Capacitor energy: C = {capacitance} F, V = {voltage}."],
     module="electric")

PHYS("thin_lens_image_distance", "calculate", "Find the image distance for a thin lens (1/f = 1/do + 1/di)",
     "the image distance and magnification", "image distance",
     [req("focal_length", QTY(1, 100, "cm"), "Focal length in centimeters.", names=("f",)),
      req("object_distance", QTY(1, 300, "cm"), "Object distance in centimeters.", names=("do", "d_o"))],
     lambda focal_length, object_distance: (lambda di: {"image_distance": di, "magnification": -di / object_distance})(
         1 / (1 / focal_length - 1 / object_distance)) if focal_length != object_distance else bad(
         "object_distance", "equals the focal length (image at infinity)", "an object distance other than f"),
     ["Where does the image form for a lens with focal length {focal_length} and an object at {object_distance}?",
      "Thin lens: f = {focal_length}, object distance {object_distance}. Image distance?"], module="optics",
     where=lambda a: abs(a["focal_length"] - a["object_distance"]) > 0.5)

PHYS("efficiency", "calculate", "Calculate the efficiency of a machine", "the efficiency in percent", "efficiency",
     [req("useful_output", QTY(1, 1000, "J"), "Useful energy out in joules.", names=("output",)),
      req("total_input", QTY(1, 2000, "J"), "Energy in, in joules.", names=("input",))],
     lambda useful_output, total_input: useful_output / total_input * 100,
     ["A machine outputs {useful_output} of useful work from {total_input} of input. What is its efficiency?",
      "Efficiency for output {useful_output} and input {total_input}?"],
     where=lambda a: a["useful_output"] <= a["total_input"])

# --------------------------------------------------------------------------------------------------
# chemistry
# --------------------------------------------------------------------------------------------------


def _say_formula(v, rng):
    names = tables.COMPOUNDS.get(v, ())
    r = rng.random()
    if names and r < 0.2:
        return f"{rng.choice(names)} ({v})"
    return v


_FORMULA = POOL(tuple(tables.COMPOUNDS), say=_say_formula)
_FORMULA_DOC = "Chemical formula, e.g. H2O or Ca(OH)2."


def _composition(formula):
    counts = tables.parse_formula(formula)
    total = tables.molar_mass(formula)
    return {el: tables.ELEMENTS[el][2] * n / total * 100 for el, n in counts.items()}


CHEM("molar_mass", "calculate", "Calculate the molar mass of a chemical formula", "the molar mass in g/mol",
     "molar mass",
     [req("formula", _FORMULA, _FORMULA_DOC, names=("compound", "chemical_formula"))],
     lambda formula: {"molar_mass": tables.molar_mass(formula), "unit": "g/mol"},
     ["What is the molar mass of {formula}?", "Molar mass of {formula}, please.",
      "{lead} {verb} the molecular weight of {formula}?",
      "How many grams does one mole of {formula} weigh?"])

CHEM("moles_from_mass", "convert", "Convert a mass in grams of a compound to moles", "the amount in moles",
     "number of moles",
     [req("mass_grams", QTY(0.1, 1000, "g"), "Mass in grams.", names=("mass", "grams")),
      req("formula", _FORMULA, _FORMULA_DOC, names=("compound",))],
     lambda mass_grams, formula: mass_grams / tables.molar_mass(formula),
     ["How many moles are in {mass_grams} of {formula}?", "Convert {mass_grams} of {formula} to moles.",
      "{lead} {verb} the number of moles in {mass_grams} of {formula}?"])

CHEM("mass_from_moles", "convert", "Convert moles of a compound to grams", "the mass in grams", "mass in grams",
     [req("moles", QTY(0.01, 20, "mol"), "Amount in moles.", names=("n", "amount")),
      req("formula", _FORMULA, _FORMULA_DOC, names=("compound",))],
     lambda moles, formula: moles * tables.molar_mass(formula),
     ["What is the mass of {moles} of {formula}?", "How many grams is {moles} of {formula}?"])

CHEM("molarity", "calculate", "Calculate molar concentration from moles of solute and volume of solution",
     "the concentration in mol/L", "molarity",
     [req("moles", QTY(0.01, 10, "mol"), "Moles of solute.", names=("n", "solute_moles")),
      req("volume_liters", QTY(0.05, 20, "L"), "Volume of solution in liters.", names=("volume",))],
     lambda moles, volume_liters: moles / volume_liters,
     ["What is the molarity of {moles} of solute in {volume_liters} of solution?",
      "Concentration for {moles} dissolved in {volume_liters}?"])

CHEM("dilution_volume", "calculate", "Find the final volume of a dilution (C1*V1 = C2*V2)", "the final volume",
     "dilution volume",
     [req("initial_concentration", NUM(0.5, 18, decimals=1), "Starting concentration (M).", names=("c1",)),
      req("initial_volume", QTY(1, 1000, "mL"), "Starting volume in mL.", names=("v1",)),
      req("final_concentration", NUM(0.01, 5, decimals=2), "Target concentration (M).", names=("c2",))],
     lambda initial_concentration, initial_volume, final_concentration:
     initial_concentration * initial_volume / final_concentration,
     ["I have {initial_volume} of a {initial_concentration} M solution. What volume do I get when I dilute it to "
      "{final_concentration} M?",
      "Dilution: C1 = {initial_concentration} M, V1 = {initial_volume}, C2 = {final_concentration} M. Find V2."],
     where=lambda a: a["final_concentration"] < a["initial_concentration"])

_P_UNITS = {"atm": 1.0, "kPa": 101.325, "mmHg": 760.0, "bar": 1.01325}
CHEM("ideal_gas_pressure", "calculate", "Calculate gas pressure with the ideal gas law (PV = nRT)", "the pressure",
     "ideal gas pressure",
     [req("moles", QTY(0.1, 10, "mol"), "Amount of gas in moles.", names=("n",)),
      req("temperature_kelvin", QTY(200, 600, "K"), "Temperature in kelvin.", names=("temperature", "t")),
      req("volume_liters", QTY(0.5, 100, "L"), "Volume in liters.", names=("volume", "v")),
      opt("unit", ENUM(tuple(_P_UNITS), {"atm": ("atmospheres", "atm"), "kPa": ("kilopascals", "kPa"),
                                         "mmHg": ("mmHg", "millimeters of mercury"), "bar": ("bar",)}),
          "Unit of the result.", default="atm", say=("in {v}", "expressed in {v}"), names=("pressure_unit",))],
     lambda moles, temperature_kelvin, volume_liters, unit="atm": {
         "pressure": moles * R_GAS * temperature_kelvin / volume_liters * _P_UNITS[unit], "unit": unit},
     ["What is the pressure of {moles} of gas at {temperature_kelvin} in a {volume_liters} container?",
      "Ideal gas pressure: n = {moles}, T = {temperature_kelvin}, V = {volume_liters}."],
     weak=Weak(note="Returns atmospheres only."))

CHEM("ideal_gas_volume", "calculate", "Calculate gas volume with the ideal gas law", "the volume in liters",
     "ideal gas volume",
     [req("moles", QTY(0.1, 10, "mol"), "Amount of gas in moles.", names=("n",)),
      req("temperature_kelvin", QTY(200, 600, "K"), "Temperature in kelvin.", names=("temperature",)),
      req("pressure_atm", QTY(0.5, 10, "atm"), "Pressure in atmospheres.", names=("pressure",))],
     lambda moles, temperature_kelvin, pressure_atm: moles * R_GAS * temperature_kelvin / pressure_atm,
     ["What volume do {moles} of an ideal gas occupy at {temperature_kelvin} and {pressure_atm}?",
      "V = nRT/P with n = {moles}, T = {temperature_kelvin}, P = {pressure_atm}."])

CHEM("ph_from_concentration", "calculate", "Calculate pH from the hydrogen-ion concentration", "the pH and pOH", "pH",
     [req("h_concentration", SCI(1, 9.9, -13, -1), "H+ concentration in mol/L.",
          names=("hydrogen_ion_concentration", "h_plus"))],
     lambda h_concentration: (lambda ph: {"ph": ph, "poh": 14 - ph, "acidic": ph < 7})(-math.log10(h_concentration)),
     ["What is the pH of a solution with [H+] = {h_concentration} M?",
      "pH for a hydrogen ion concentration of {h_concentration} mol/L?"])

CHEM("half_life_remaining", "calculate", "Calculate how much of a radioactive sample remains after some time",
     "the remaining amount", "remaining amount after decay",
     [req("initial_amount", QTY(1, 1000, "g"), "Starting amount.", names=("n0", "initial")),
      req("half_life", QTY(1, 100, "years", integer=True), "Half-life.", names=("t_half",)),
      req("elapsed_time", QTY(1, 300, "years", integer=True), "Time elapsed (same unit as the half-life).",
          names=("time", "t"))],
     lambda initial_amount, half_life, elapsed_time: initial_amount * 0.5 ** (elapsed_time / half_life),
     ["A {initial_amount} sample has a half-life of {half_life}. How much is left after {elapsed_time}?",
      "Remaining amount: start {initial_amount}, half-life {half_life}, elapsed {elapsed_time}."])

CHEM("percent_composition", "calculate", "Calculate the mass percent of each element in a compound",
     "element → mass percent", "percent composition",
     [req("formula", _FORMULA, _FORMULA_DOC, names=("compound",))],
     _composition,
     ["What is the percent composition of {formula}?", "Mass percent of each element in {formula}?"])

CHEM("particles_from_moles", "convert", "Convert moles to number of particles (Avogadro's number)",
     "the number of particles", "number of particles",
     [req("moles", QTY(0.001, 50, "mol", decimals=3), "Amount in moles.", names=("n",))],
     lambda moles: moles * AVOGADRO,
     ["How many molecules are in {moles}?", "Number of particles in {moles} of a substance?"])

CHEM("element_info", "get", "Look up an element's name, atomic number and atomic mass", "the element's data",
     "element data",
     [req("symbol", POOL(tuple(tables.ELEMENTS)), "Element symbol, e.g. Fe.", names=("element",))],
     lambda symbol: (lambda e: {"symbol": symbol, "name": e[0], "atomic_number": e[1], "atomic_mass": e[2]})(
         tables.ELEMENTS[symbol]) if symbol in tables.ELEMENTS else bad("symbol", f"unknown element {symbol!r}",
                                                                        "a known element symbol"),
     ["What is the atomic mass of {symbol}?", "Tell me about the element {symbol}.", "Atomic number of {symbol}?"])

# --------------------------------------------------------------------------------------------------
# units
# --------------------------------------------------------------------------------------------------


def _linear(table: dict[str, float]):
    def convert(value, from_unit, to_unit):
        return {"value": value * table[from_unit] / table[to_unit], "unit": to_unit}
    return convert


_CONVERT_ASKS = ("Convert {value} {from_unit} to {to_unit}.", "How many {to_unit} is {value} {from_unit}?",
                 "{value} {from_unit} in {to_unit}?", "What is {value} {from_unit} in {to_unit}?",
                 "{lead} convert {value} {from_unit} into {to_unit}?")


def _conversion(key, what, units, synonyms, convert, value_kind, weak_units, *, asks=_CONVERT_ASKS, doc_units="",
                valid=lambda a: True):
    """A unit converter over ``units``; its weak version accepts only ``weak_units``."""
    kind = ENUM(tuple(units), synonyms)
    UNITS(key, "", f"Convert a {what} between units", "the converted value and its unit", f"{what} conversion",
          [req("value", value_kind, f"The {what} to convert.", names=("amount", "quantity")),
           req("from_unit", kind, "Unit of the input value.", names=("source_unit", "from")),
           req("to_unit", kind, "Unit to convert to.", names=("target_unit", "to"))],
          convert, asks, where=lambda a: a["from_unit"] != a["to_unit"] and valid(a),
          weak=Weak(enums={"from_unit": weak_units, "to_unit": weak_units},
                    note=f"Supports {', '.join(weak_units)} only."),
          extra_doc=doc_units)


def _linear_conversion(key, what, table, synonyms, value_kind, weak_units, **kw):
    _conversion(key, what, tuple(table), synonyms, _linear(table), value_kind, weak_units, **kw)


_LENGTH = {"mm": 0.001, "cm": 0.01, "m": 1.0, "km": 1000.0, "in": 0.0254, "ft": 0.3048, "yd": 0.9144, "mi": 1609.344}
_linear_conversion("convert_length", "length", _LENGTH,
            {"mm": ("mm", "millimeters"), "cm": ("cm", "centimeters", "centimetres"), "m": ("m", "meters", "metres"),
             "km": ("km", "kilometers", "kilometres"), "in": ("inches", "inches", "in"), "ft": ("feet", "ft"),
             "yd": ("yards", "yd"), "mi": ("miles", "mi")},
            NUM(0.5, 5000, decimals=2), ("mm", "cm", "m", "km"), doc_units="Units: mm, cm, m, km, in, ft, yd, mi.")
_MASS_T = {"mg": 1e-6, "g": 0.001, "kg": 1.0, "t": 1000.0, "oz": 0.028349523125, "lb": 0.45359237, "st": 6.35029318}
_linear_conversion("convert_mass", "mass", _MASS_T,
            {"mg": ("mg", "milligrams"), "g": ("g", "grams"), "kg": ("kg", "kilograms", "kilos"),
             "t": ("tonnes", "metric tons"),
             "oz": ("ounces", "oz"), "lb": ("pounds", "lbs", "lb"), "st": ("stone",)},
            NUM(0.5, 2000, decimals=2), ("g", "kg", "lb"))


def _temperature(value, from_unit, to_unit):
    c = {"celsius": value, "fahrenheit": (value - 32) * 5 / 9, "kelvin": value - 273.15}[from_unit]
    out = {"celsius": c, "fahrenheit": c * 9 / 5 + 32, "kelvin": c + 273.15}[to_unit]
    if out < -1e-9 and to_unit == "kelvin" or c < -273.15 - 1e-9:
        bad("value", "is below absolute zero", "a temperature above -273.15 °C")
    return {"value": out, "unit": to_unit}


_conversion("convert_temperature", "temperature", ("celsius", "fahrenheit", "kelvin"),
            {"celsius": ("Celsius", "°C", "degrees Celsius"),
             "fahrenheit": ("Fahrenheit", "°F", "degrees Fahrenheit"), "kelvin": ("Kelvin", "K")},
            _temperature, NUM(-40, 400, decimals=1), ("celsius", "fahrenheit"),
            asks=("Convert {value} degrees {from_unit} to {to_unit}.", "What is {value} {from_unit} in {to_unit}?",
                  "{value} {from_unit} to {to_unit}?",
                  "{lead} convert a temperature of {value} {from_unit} into {to_unit}?"),
            valid=lambda a: a["from_unit"] != "kelvin" or a["value"] > 0)
_VOLUME = {"ml": 0.001, "l": 1.0, "m3": 1000.0, "tsp": 0.00492892, "tbsp": 0.0147868, "cup": 0.236588,
           "fl_oz": 0.0295735, "pint": 0.473176, "quart": 0.946353, "gallon": 3.78541}
_linear_conversion("convert_volume", "volume", _VOLUME,
            {"ml": ("ml", "milliliters", "millilitres"), "l": ("liters", "litres", "L"), "m3": ("cubic meters", "m³"),
             "tsp": ("teaspoons", "tsp"), "tbsp": ("tablespoons", "tbsp"), "cup": ("cups",),
             "fl_oz": ("fluid ounces", "fl oz"),
             "pint": ("US pints", "pints"), "quart": ("quarts",), "gallon": ("US gallons", "gallons")},
            NUM(0.5, 500, decimals=2), ("ml", "l"))
_SPEED_T = {"m/s": 1.0, "km/h": 1 / 3.6, "mph": 0.44704, "knot": 0.514444, "ft/s": 0.3048}
_linear_conversion("convert_speed", "speed", _SPEED_T,
            {"m/s": ("m/s", "meters per second"), "km/h": ("km/h", "kilometers per hour", "kph"),
             "mph": ("mph", "miles per hour"), "knot": ("knots",), "ft/s": ("feet per second", "ft/s")},
            NUM(1, 400, decimals=1), ("m/s", "km/h"))
_DATA = {"bit": 0.125, "B": 1.0, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KiB": 1024.0, "MiB": 1024.0 ** 2,
         "GiB": 1024.0 ** 3, "TiB": 1024.0 ** 4}
_linear_conversion("convert_data_size", "data size", _DATA,
            {"bit": ("bits",), "B": ("bytes", "B"), "KB": ("kilobytes", "KB"), "MB": ("megabytes", "MB"),
             "GB": ("gigabytes", "GB"), "TB": ("terabytes", "TB"), "KiB": ("KiB", "kibibytes"),
             "MiB": ("MiB", "mebibytes"),
             "GiB": ("GiB", "gibibytes"), "TiB": ("TiB", "tebibytes")},
            NUM(1, 4096, decimals=1, whole=0.8), ("B", "KB", "MB", "GB", "TB"),
            doc_units="KB/MB/GB are powers of 1000; KiB/MiB/GiB powers of 1024.")
_TIME_T = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "day": 86400.0, "week": 604800.0}
_linear_conversion("convert_time", "duration", _TIME_T,
            {"ms": ("milliseconds", "ms"), "s": ("seconds", "s", "secs"), "min": ("minutes", "mins"),
             "h": ("hours", "hrs"),
             "day": ("days",), "week": ("weeks",)},
            NUM(1, 10000, decimals=1, whole=0.8), ("s", "min", "h"))
_AREA = {"m2": 1.0, "km2": 1e6, "ft2": 0.09290304, "acre": 4046.8564224, "hectare": 10000.0, "mi2": 2589988.110336,
         "cm2": 1e-4}
_linear_conversion("convert_area", "area", _AREA,
            {"m2": ("square meters", "m²", "sq m"), "km2": ("square kilometers", "km²"),
             "ft2": ("square feet", "sq ft"),
             "acre": ("acres",), "hectare": ("hectares", "ha"), "mi2": ("square miles",),
             "cm2": ("square centimeters", "cm²")},
            NUM(1, 5000, decimals=1), ("m2", "km2", "hectare"))
_ENERGY = {"J": 1.0, "kJ": 1000.0, "cal": 4.184, "kcal": 4184.0, "kWh": 3.6e6, "BTU": 1055.06, "Wh": 3600.0}
_linear_conversion("convert_energy", "energy", _ENERGY,
            {"J": ("joules", "J"), "kJ": ("kilojoules", "kJ"), "cal": ("calories (small)", "cal"),
             "kcal": ("kilocalories", "kcal", "food calories"), "kWh": ("kilowatt-hours", "kWh"),
             "BTU": ("BTU", "British thermal units"),
             "Wh": ("watt-hours", "Wh")},
            NUM(1, 10000, decimals=1), ("J", "kJ", "kWh"))
_PRESSURE = {"Pa": 1.0, "kPa": 1000.0, "bar": 1e5, "atm": 101325.0, "psi": 6894.757293, "mmHg": 133.322368}
_linear_conversion("convert_pressure", "pressure", _PRESSURE,
            {"Pa": ("pascals", "Pa"), "kPa": ("kilopascals", "kPa"), "bar": ("bar",), "atm": ("atmospheres", "atm"),
             "psi": ("psi", "pounds per square inch"), "mmHg": ("mmHg", "millimeters of mercury")},
            NUM(0.5, 5000, decimals=2), ("Pa", "kPa", "bar"))

UNITS("celsius_to_fahrenheit", "", "Convert a temperature from Celsius to Fahrenheit", "degrees Fahrenheit",
      "temperature in Fahrenheit",
      [req("celsius", QTY(-40, 120, "C", minimum=None), "Temperature in degrees Celsius.",
           names=("temp_c", "degrees"))],
      lambda celsius: celsius * 9 / 5 + 32,
      ["What is {celsius} in Fahrenheit?", "Convert {celsius} to Fahrenheit.",
       "It's {celsius} outside. How much is that in °F?"],
      module="temperature")

UNITS("fahrenheit_to_celsius", "", "Convert a temperature from Fahrenheit to Celsius", "degrees Celsius",
      "temperature in Celsius",
      [req("fahrenheit", NUM(-40, 250, decimals=1), "Temperature in degrees Fahrenheit.", names=("temp_f", "degrees"))],
      lambda fahrenheit: (fahrenheit - 32) * 5 / 9,
      ["What is {fahrenheit} degrees Fahrenheit in Celsius?", "Convert {fahrenheit}°F to Celsius.",
       "My oven says {fahrenheit} F. What's that in °C?"], module="temperature")

UNITS("km_to_miles", "", "Convert kilometers to miles", "the distance in miles", "distance in miles",
      [req("kilometers", QTY(0.5, 1000, "km"), "Distance in kilometers.", names=("km", "distance"))],
      lambda kilometers: kilometers / 1.609344,
      ["How many miles is {kilometers}?", "Convert {kilometers} to miles.",
       "I ran {kilometers}. How many miles is that?"])

UNITS("miles_to_km", "", "Convert miles to kilometers", "the distance in kilometers", "distance in kilometers",
      [req("miles", QTY(0.5, 1000, "mi"), "Distance in miles.", names=("mi", "distance"))],
      lambda miles: miles * 1.609344,
      ["How many kilometers is {miles}?", "Convert {miles} to km.", "The trip is {miles}. What's that in kilometres?"])

UNITS("kg_to_pounds", "", "Convert kilograms to pounds", "the mass in pounds", "mass in pounds",
      [req("kilograms", QTY(0.1, 500, "kg"), "Mass in kilograms.", names=("kg", "mass"))],
      lambda kilograms: kilograms / 0.45359237,
      ["How many pounds is {kilograms}?", "Convert {kilograms} to lbs.", "My suitcase weighs {kilograms}. In pounds?"])

UNITS("degrees_to_radians", "", "Convert an angle from degrees to radians", "the angle in radians", "angle in radians",
      [req("degrees", NUM(-360, 720, decimals=1, whole=0.8), "Angle in degrees.", names=("angle", "deg"))],
      lambda degrees: math.radians(degrees),
      ["Convert {degrees} degrees to radians.", "What is {degrees}° in radians?", "{degrees} degrees in rad?"],
      module="angles")

UNITS("radians_to_degrees", "", "Convert an angle from radians to degrees", "the angle in degrees", "angle in degrees",
      [req("radians", NUM(-7, 7, decimals=3, whole=0.2), "Angle in radians.", names=("angle", "rad"))],
      lambda radians: math.degrees(radians),
      ["Convert {radians} radians to degrees.", "How many degrees is {radians} rad?"], module="angles")

# --------------------------------------------------------------------------------------------------
# health and fitness
# --------------------------------------------------------------------------------------------------

_SEX = ENUM(("male", "female"), {"male": ("male", "man", "a man"), "female": ("female", "woman", "a woman")})
_W = QTY(40, 150, "kg", whole=0.7)
_H = QTY(140, 205, "cm", integer=True)
_AGE = INT(18, 85)


def _bmi_band(bmi):
    return "underweight" if bmi < 18.5 else "normal" if bmi < 25 else "overweight" if bmi < 30 else "obese"


def _bmr(weight_kg, height_cm, age, sex):
    return 10 * weight_kg + 6.25 * height_cm - 5 * age + (5 if sex == "male" else -161)


HEALTH("bmi", "calculate", "Calculate body mass index from weight in kg and height in cm", "the BMI and its category",
       "BMI",
       [req("weight_kg", _W, "Body weight in kilograms.", names=("weight", "mass_kg")),
        req("height_cm", _H, "Height in centimeters.", names=("height",))],
       lambda weight_kg, height_cm: (lambda b: {"bmi": b,
                                                "category": _bmi_band(b)})(weight_kg / (height_cm / 100) ** 2),
       ["What is the BMI of someone who weighs {weight_kg} and is {height_cm} tall?",
        "I'm {height_cm} and {weight_kg}. What's my BMI?",
        "{lead} {verb} my body mass index? Weight {weight_kg}, height {height_cm}."])

HEALTH("bmi_imperial", "calculate", "Calculate body mass index from weight in pounds and height in inches",
       "the BMI and its category", "BMI",
       [req("weight_lb", QTY(90, 330, "lb", integer=True), "Weight in pounds.", names=("weight",)),
        req("height_in", QTY(55, 80, "in", integer=True), "Height in inches.", names=("height",))],
       lambda weight_lb, height_in: (lambda b: {"bmi": b, "category": _bmi_band(b)})(703 * weight_lb / height_in ** 2),
       ["What's the BMI for {weight_lb} and {height_in}?", "I weigh {weight_lb} and I'm {height_in} tall. BMI?"])

HEALTH("basal_metabolic_rate", "calculate", "Estimate basal metabolic rate with the Mifflin-St Jeor equation",
       "the BMR in kcal per day", "basal metabolic rate",
       [req("weight_kg", _W, "Weight in kilograms.", names=("weight",)),
        req("height_cm", _H, "Height in centimeters.", names=("height",)),
        req("age", _AGE, "Age in years.", names=("age_years",)),
        req("sex", _SEX, "Biological sex.", names=("gender",))],
       _bmr,
       ["What is the BMR of a {age}-year-old {sex} who is {height_cm} and weighs {weight_kg}?",
        "Basal metabolic rate: {sex}, age {age}, {weight_kg}, {height_cm}."])

_ACT = {"sedentary": 1.2, "light": 1.375, "moderate": 1.55, "active": 1.725, "very_active": 1.9}
HEALTH("daily_calories", "calculate", "Estimate daily calorie needs from BMR and activity level", "the kcal per day",
       "daily calorie needs",
       [req("weight_kg", _W, "Weight in kilograms.", names=("weight",)),
        req("height_cm", _H, "Height in centimeters.", names=("height",)),
        req("age", _AGE, "Age in years."), req("sex", _SEX, "Biological sex.", names=("gender",)),
        req("activity_level",
            ENUM(tuple(_ACT), {"sedentary": ("sedentary", "mostly sitting"), "light": ("lightly active",),
                                                 "moderate": ("moderately active",),
                                                 "active": ("active", "very sporty"),
                                                 "very_active": ("very active", "an athlete")}),
            "How active the person is.", names=("activity",))],
       lambda weight_kg, height_cm, age, sex, activity_level: {"calories": _bmr(weight_kg, height_cm, age,
                                                                                sex) * _ACT[activity_level],
                                                               "bmr": _bmr(weight_kg, height_cm, age, sex)},
       ["How many calories does a {age}-year-old {sex} need per day? {weight_kg}, {height_cm}, {activity_level}.",
        "Daily calorie needs for a {activity_level} {sex}, {age} years old, {weight_kg} and {height_cm}?"],
       weak=Weak(enums={"activity_level": ("sedentary", "moderate")},
                 note="Two activity levels: sedentary or moderate."))


def _target_hr(age, intensity=70, resting_heart_rate=None):
    max_hr = 220 - age
    if resting_heart_rate is None:
        return {"max_heart_rate": max_hr, "target_heart_rate": max_hr * intensity / 100, "method": "percent of max"}
    return {"max_heart_rate": max_hr,
            "target_heart_rate": resting_heart_rate + (max_hr - resting_heart_rate) * intensity / 100,
            "method": "karvonen"}


HEALTH("target_heart_rate", "calculate", "Calculate a training heart rate from age and intensity",
       "the maximum and target heart rate in bpm", "target heart rate",
       [req("age", _AGE, "Age in years."),
        opt("intensity", PCT(50, 90, step=5, rate=False), "Training intensity in percent.", default=70,
            say=("at {v} intensity", "for {v} effort"), names=("effort_percent",)),
        opt("resting_heart_rate", QTY(45, 90, "bpm", integer=True), "Resting heart rate (Karvonen method).",
            say=("with a resting heart rate of {v}", "resting pulse {v}"), names=("resting_hr",))],
       _target_hr,
       ["What should my target heart rate be? I'm {age}.", "Target heart rate for a {age}-year-old?",
        "{lead} {verb} my training heart rate zone? Age {age}."],
       weak=Weak(drop=("resting_heart_rate",), note="Percent-of-max method only."))

_MET = {"walking": 3.5, "running": 9.8, "cycling": 7.5, "swimming": 8.0, "yoga": 2.5, "weightlifting": 6.0,
        "hiking": 6.0, "dancing": 5.0}
HEALTH("calories_burned", "estimate", "Estimate calories burned in an activity from MET values",
       "the kcal burned", "calories burned",
       [req("activity", ENUM(tuple(_MET), {"weightlifting": ("weightlifting", "lifting weights")}), "The activity.",
            names=("exercise",)),
        req("duration_minutes", QTY(10, 180, "min", integer=True), "Duration in minutes.",
            names=("minutes", "duration")),
        req("weight_kg", _W, "Body weight in kilograms.", names=("weight",))],
       lambda activity, duration_minutes, weight_kg: _MET[activity] * weight_kg * duration_minutes / 60,
       ["How many calories do I burn {activity} for {duration_minutes}? I weigh {weight_kg}.",
        "Calories burned: {activity}, {duration_minutes}, body weight {weight_kg}."],
       weak=Weak(enums={"activity": ("walking", "running", "cycling")}, note="Walking, running and cycling only."))

HEALTH("running_pace", "calculate", "Calculate running pace and speed from distance and time",
       "pace in minutes per km and speed in km/h", "running pace",
       [req("distance_km", QTY(1, 50, "km"), "Distance in kilometers.", names=("distance",)),
        req("time_minutes", QTY(5, 300, "min", integer=True), "Total time in minutes.", names=("minutes", "time"))],
       lambda distance_km, time_minutes: {"pace_min_per_km": time_minutes / distance_km,
                                          "speed_kmh": distance_km / (time_minutes / 60)},
       ["I ran {distance_km} in {time_minutes}. What was my pace?", "Pace for {distance_km} in {time_minutes}?"],
       where=lambda a: 2.5 <= a["time_minutes"] / a["distance_km"] <= 15)

HEALTH("ideal_body_weight", "calculate", "Estimate ideal body weight with the Devine formula", "the weight in kg",
       "ideal body weight",
       [req("height_cm", _H, "Height in centimeters.", names=("height",)),
        req("sex", _SEX, "Biological sex.", names=("gender",))],
       lambda height_cm, sex: (50 if sex == "male" else 45.5) + 2.3 * (height_cm / 2.54 - 60),
       ["What is the ideal weight for a {sex} who is {height_cm} tall?", "Ideal body weight: {sex}, {height_cm}."])

HEALTH("daily_water_intake", "calculate", "Recommend daily water intake from body weight and exercise",
       "liters per day", "daily water intake",
       [req("weight_kg", _W, "Body weight in kilograms.", names=("weight",)),
        opt("exercise_minutes", QTY(10, 180, "min", integer=True), "Minutes of exercise per day.", default=0,
            say=("and I exercise {v} a day", "with {v} of daily exercise"), names=("activity_minutes",))],
       lambda weight_kg, exercise_minutes=0: 0.033 * weight_kg + 0.35 * exercise_minutes / 30,
       ["How much water should I drink a day? I weigh {weight_kg}.",
        "Daily water intake for someone weighing {weight_kg}?"])

HEALTH("body_fat_estimate", "estimate", "Estimate body fat percentage from BMI, age and sex (Deurenberg formula)",
       "the body fat percentage", "body fat percentage",
       [req("weight_kg", _W, "Weight in kilograms.", names=("weight",)),
        req("height_cm", _H, "Height in centimeters.", names=("height",)),
        req("age", _AGE, "Age in years."), req("sex", _SEX, "Biological sex.", names=("gender",))],
       lambda weight_kg, height_cm, age, sex:
       1.2 * weight_kg / (height_cm / 100) ** 2 + 0.23 * age - 10.8 * (sex == "male") - 5.4,
       ["Estimate the body fat of a {age}-year-old {sex}, {height_cm}, {weight_kg}.",
        "What's my body fat percentage? {sex}, {age}, {weight_kg}, {height_cm}."])

HEALTH("pregnancy_due_date", "calculate",
       "Estimate a due date from the first day of the last menstrual period (+280 days)",
       "the estimated due date", "due date",
       [req("last_period_date", DATE(-250, -10), "First day of the last period (YYYY-MM-DD).", names=("lmp",))],
       lambda last_period_date: (lambda d: {"due_date": (d + dt.timedelta(days=280)).isoformat(),
                                            "as_of": REFERENCE.isoformat(),
                                            "weeks_pregnant": (REFERENCE - d).days // 7})(
           dt.date.fromisoformat(last_period_date)),
       ["My last period started on {last_period_date}. When is my due date?",
        "Due date if the LMP was {last_period_date}?"])

SPECS = PHYS.specs + CHEM.specs + UNITS.specs + HEALTH.specs
