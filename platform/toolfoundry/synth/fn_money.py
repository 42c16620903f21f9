"""Callable functions: loans and interest, investing, prices and taxes, currency."""

from __future__ import annotations

import math

from toolfoundry.synth import surface as sf
from toolfoundry.synth import tables
from toolfoundry.synth.fnspec import CUSTOM, ENUM, INT, MONEY, NUM, PCT, QTY, Registry, Weak, bad, opt, req

FIN = Registry("finance", "finance")
INV = Registry("investing", "invest")
PRICE = Registry("pricing", "pricing")

_P = MONEY(500, 500000)
_RATE = PCT(0.5, 15, step=0.25)
_YEARS = QTY(1, 40, "years", integer=True)
_COMPOUND = {1: ("annually", "once a year", "yearly"), 2: ("semi-annually", "twice a year"), 4: ("quarterly",),
             12: ("monthly", "12 times a year"), 365: ("daily",)}


def _payment(principal: float, annual_rate: float, years: int) -> float:
    m, n = annual_rate / 1200, years * 12
    return principal / n if m == 0 else principal * m / (1 - (1 + m) ** -n)


def loan_summary(principal: float, annual_rate: float, years: int) -> dict:
    """Monthly payment, total paid and total interest of a fixed-rate amortized loan."""
    pay = _payment(principal, annual_rate, years)
    return {"monthly_payment": round(pay, 2), "total_paid": round(pay * years * 12, 2),
            "total_interest": round(pay * years * 12 - principal, 2)}


# --------------------------------------------------------------------------------------------------
# finance
# --------------------------------------------------------------------------------------------------

FIN("simple_interest", "calculate", "Calculate simple interest on a principal", "the interest and the total amount",
    "simple interest",
    [req("principal", _P, "The amount invested or borrowed.", names=("amount", "principal_amount")),
     req("rate", _RATE, "Annual interest rate.", names=("annual_rate", "interest_rate")),
     req("years", _YEARS, "Duration in years.", names=("time", "term_years"))],
    lambda principal, rate, years: {"interest": principal * rate / 100 * years,
                                    "total": principal * (1 + rate / 100 * years)},
    ["What is the simple interest on {principal} at {rate} for {years}?",
     "Simple interest: {principal}, {rate} a year, {years}.",
     "I lend {principal} at {rate} simple interest for {years}. How much interest do I earn?",
     "{lead} {verb} the simple interest for a principal of {principal}, a rate of {rate} and {years}?"])


def _compound(principal, rate, years, compounds_per_year=1):
    amount = principal * (1 + rate / 100 / compounds_per_year) ** (compounds_per_year * years)
    return {"final_amount": round(amount, 2), "interest_earned": round(amount - principal, 2)}


FIN("compound_interest", "calculate", "Calculate the compound interest earned on a deposit",
    "the final amount and the interest earned",
    "compound interest",
    [req("principal", _P, "The initial deposit.", names=("amount", "principal_amount", "initial_amount")),
     req("rate", _RATE, "Annual interest rate.", names=("annual_rate", "interest_rate", "rate_of_interest")),
     req("years", _YEARS, "Number of years.", names=("time", "term_years", "duration")),
     opt("compounds_per_year", ENUM(tuple(_COMPOUND), _COMPOUND), "How many times per year interest is compounded.",
         default=1, value_phrases={k: tuple(f"compounded {w}" for w in v) for k, v in _COMPOUND.items()},
         names=("n", "compounding_frequency", "frequency"))],
    _compound,
    ["How much will {principal} grow to in {years} at {rate} compound interest?",
     "What's the compound interest on {principal} at {rate} over {years}?",
     "I invest {principal} at an annual rate of {rate} for {years}. What will it be worth?",
     "{lead} {verb} compound interest for {principal}, {rate}, {years}?"],
    weak=Weak(note="Compounds once a year only."))

FIN("present_value", "calculate", "Calculate the present value of a future amount", "the present value",
    "present value",
    [req("future_value", _P, "Amount received in the future.", names=("fv", "amount")),
     req("rate", _RATE, "Annual discount rate.", names=("discount_rate",)),
     req("years", _YEARS, "Years until the amount is received.", names=("periods", "n"))],
    lambda future_value, rate, years: future_value / (1 + rate / 100) ** years,
    ["What is {future_value} received in {years} worth today at a discount rate of {rate}?",
     "Present value of {future_value} in {years} at {rate}?", "Discount {future_value} back {years} at {rate}."])

FIN("future_value_annuity", "calculate", "Calculate the future value of regular end-of-period deposits",
    "the accumulated amount", "future value of regular savings",
    [req("payment", MONEY(50, 5000), "Deposit each period.", names=("deposit", "pmt")),
     req("rate", PCT(0.5, 12, step=0.5), "Interest rate per period.", names=("rate_per_period",)),
     req("periods", INT(1, 480), "Number of deposits.", names=("n", "num_periods"))],
    lambda payment, rate, periods: payment * periods if rate == 0
    else payment * ((1 + rate / 100) ** periods - 1) / (rate / 100),
    ["If I deposit {payment} every period for {periods} periods at {rate} per period, how much will I have?",
     "Future value of an annuity: payment {payment}, rate {rate}, {periods} periods."])

def _loan(principal, annual_rate, years, payments_per_year=12):
    r, n = annual_rate / 100 / payments_per_year, years * payments_per_year
    pay = principal / n if r == 0 else principal * r / (1 - (1 + r) ** -n)
    return {"payment": round(pay, 2), "payments": n, "total_paid": round(pay * n, 2),
            "total_interest": round(pay * n - principal, 2)}


_PER_YEAR = {12: ("monthly",), 26: ("biweekly", "every two weeks"), 52: ("weekly",)}
FIN("loan_payment", "calculate", "Calculate the periodic payment of a fixed-rate loan",
    "the payment per period, total paid and interest",
    "loan payment",
    [req("principal", MONEY(1000, 100000), "Amount borrowed.", names=("loan_amount", "amount")),
     req("annual_rate", _RATE, "Annual interest rate.", names=("interest_rate", "rate", "apr")),
     req("years", QTY(1, 10, "years", integer=True), "Loan term in years.", names=("term_years", "term")),
     opt("payments_per_year", ENUM(tuple(_PER_YEAR), _PER_YEAR), "Payments per year (12 = monthly).", default=12,
         value_phrases={k: tuple(f"with {w} payments" for w in v) for k, v in _PER_YEAR.items()},
         names=("frequency", "periods_per_year"))],
    _loan,
    ["What is the monthly payment on a {principal} loan at {annual_rate} for {years}{!payments_per_year}?",
     "I'm borrowing {principal} over {years} at {annual_rate}. What will I pay each month{!payments_per_year}?",
     "What are the payments on a {principal} loan at {annual_rate} over {years}?",
     "{lead} {verb} my car loan payment: {principal}, {annual_rate}, {years}?"],
    weak=Weak(note="Monthly payments only."))


def _mortgage(home_price, down_payment, annual_rate, years, property_tax_rate=0, insurance_per_year=0):
    if down_payment >= home_price:
        bad("down_payment", "is not below the home price", "a down payment smaller than the price")
    base = loan_summary(home_price - down_payment, annual_rate, years)
    tax, ins = home_price * property_tax_rate / 100 / 12, insurance_per_year / 12
    return {**base, "loan_amount": home_price - down_payment, "monthly_tax": round(tax, 2),
            "monthly_insurance": round(ins, 2), "total_monthly": round(base["monthly_payment"] + tax + ins, 2)}


FIN("mortgage_payment", "calculate", "Calculate the monthly cost of a mortgage",
    "principal and interest, taxes, insurance and the total",
    "mortgage payment",
    [req("home_price", MONEY(80000, 1500000), "Purchase price of the home.", names=("price", "property_value")),
     req("down_payment", MONEY(5000, 300000), "Down payment.", names=("deposit",)),
     req("annual_rate", PCT(2, 9, step=0.125), "Annual interest rate.", names=("interest_rate", "rate")),
     req("years",
         ENUM((10, 15, 20, 25, 30),
              {y: (f"{y} years", f"{y}-year", f"{sf.int_words(y)} years") for y in (10, 15, 20, 25, 30)}),
         "Term in years.", names=("term_years", "term")),
     opt("property_tax_rate", PCT(0.5, 2.5, step=0.1), "Yearly property tax as a share of the price.",
         say=("with property tax of {v}", "plus {v} property tax"), names=("tax_rate",)),
     opt("insurance_per_year", MONEY(500, 4000, cents=False), "Yearly home insurance.",
         say=("and {v} a year of insurance", "with insurance at {v} per year"), names=("annual_insurance",))],
    _mortgage,
    ["What's the monthly mortgage on a {home_price} house with {down_payment} down at {annual_rate} for {years}?",
     "I'm buying a home for {home_price}, putting {down_payment} down, {years} mortgage at {annual_rate}. Monthly "
     "payment?",
     "Mortgage: price {home_price}, down {down_payment}, rate {annual_rate}, term {years}."],
    where=lambda a: a["down_payment"] < a["home_price"] * 0.6,
    weak=Weak(note="Principal and interest only (no taxes or insurance)."))


def _amortization(principal, annual_rate, years, months=12):
    pay, bal, rows = _payment(principal, annual_rate, years), principal, []
    for m in range(1, min(months, years * 12) + 1):
        interest = bal * annual_rate / 1200
        bal -= pay - interest
        rows.append({"month": m, "payment": round(pay, 2), "interest": round(interest, 2),
                     "principal": round(pay - interest, 2), "balance": round(max(bal, 0), 2)})
    return {"monthly_payment": round(pay, 2), "schedule": rows}


FIN("amortization_schedule", "generate", "Generate the first months of a loan amortization schedule",
    "the monthly payment and one row per month", "amortization schedule",
    [req("principal", MONEY(1000, 500000), "Amount borrowed.", names=("loan_amount",)),
     req("annual_rate", _RATE, "Annual interest rate.", names=("rate",)),
     req("years", _YEARS, "Term in years.", names=("term_years",)),
     opt("months", INT(1, 36), "How many months of the schedule to return.", default=12,
         say=("for the first {v} months", "showing {v} months"), names=("rows",), limit=600)],
    _amortization,
    ["Show me the amortization schedule for {principal} at {annual_rate} over {years}.",
     "Amortization table: {principal}, {annual_rate}, {years}."],
    weak=Weak(drop=(), limits={"months": 12}, note="Returns at most 12 months."))


def _flows(rng):
    first = -rng.randint(10, 200) * 100
    return [first] + [rng.randint(2, 80) * 100 for _ in range(rng.randint(2, 6))]


_FLOWS = CUSTOM({"type": "array", "items": {"type": "number"}, "minItems": 2}, _flows,
                lambda v, rng: sf.number_list(v, rng, forms=("bracket", "commas")), array=True)


def _npv(rate, cash_flows):
    return sum(cf / (1 + rate / 100) ** t for t, cf in enumerate(cash_flows))


def _irr(cash_flows):
    if not (min(cash_flows) < 0 < max(cash_flows)):
        bad("cash_flows", "needs both negative and positive flows", "an outflow followed by inflows")
    lo, hi = -99.0, 1000.0
    if _npv(lo, cash_flows) * _npv(hi, cash_flows) > 0:
        bad("cash_flows", "have no internal rate of return between -99% and 1000%", "flows with a sign change")
    for _ in range(200):
        mid = (lo + hi) / 2
        if _npv(lo, cash_flows) * _npv(mid, cash_flows) <= 0:
            hi = mid
        else:
            lo = mid
    return {"irr_percent": round((lo + hi) / 2, 6)}


INV("net_present_value", "calculate", "Calculate the net present value of cash flows (the first at time 0)",
    "the NPV", "net present value",
    [req("rate", PCT(1, 20, step=0.5), "Discount rate per period.", names=("discount_rate",)),
     req("cash_flows", _FLOWS, "Cash flows per period, starting with the initial investment (negative).",
         names=("flows",))],
    _npv,
    ["What is the NPV of {cash_flows} at a discount rate of {rate}?",
     "Net present value at {rate} for cash flows {cash_flows}?",
     "A project costs and returns {cash_flows}. Is it worth it at {rate}? Give me the NPV."])

INV("internal_rate_of_return", "calculate", "Calculate the internal rate of return of a series of cash flows",
    "the IRR in percent", "IRR",
    [req("cash_flows", _FLOWS, "Cash flows per period, starting with the initial investment (negative).",
         names=("flows",))],
    _irr,
    ["What is the IRR of the cash flows {cash_flows}?", "Internal rate of return for {cash_flows}?"],
    where=lambda a: sum(a["cash_flows"]) > 0)

INV("return_on_investment", "calculate", "Calculate return on investment", "the gain and ROI in percent", "ROI",
    [req("initial_investment", MONEY(100, 100000), "Amount invested.", names=("cost", "investment")),
     req("final_value", MONEY(50, 200000), "Value at the end.", names=("current_value", "return_value"))],
    lambda initial_investment, final_value: {
        "gain": final_value - initial_investment,
        "roi_percent": (final_value - initial_investment) / initial_investment * 100},
    ["I invested {initial_investment} and it's now worth {final_value}. What's my ROI?",
     "ROI for an investment of {initial_investment} that returned {final_value}?"])

INV("payback_period", "calculate", "Calculate how many years an investment takes to pay back",
    "the payback period in years",
    "payback period",
    [req("initial_investment", MONEY(1000, 500000), "Up-front cost.", names=("cost",)),
     req("annual_cash_flow", MONEY(100, 100000), "Yearly net inflow.", names=("yearly_savings", "cash_flow"))],
    lambda initial_investment, annual_cash_flow: initial_investment / annual_cash_flow,
    ["How long until a {initial_investment} investment that brings in {annual_cash_flow} a year pays for itself?",
     "Payback period: cost {initial_investment}, annual cash flow {annual_cash_flow}."])

INV("cagr", "calculate", "Calculate the compound annual growth rate", "the CAGR in percent",
    "compound annual growth rate",
    [req("start_value", MONEY(100, 100000), "Starting value.", names=("beginning_value", "initial")),
     req("end_value", MONEY(100, 300000), "Ending value.", names=("ending_value", "final")),
     req("years", QTY(1, 30, "years", integer=True), "Number of years.", names=("periods",))],
    lambda start_value, end_value, years: ((end_value / start_value) ** (1 / years) - 1) * 100,
    ["My portfolio went from {start_value} to {end_value} in {years}. What's the CAGR?",
     "Compound annual growth rate from {start_value} to {end_value} over {years}?"])

INV("doubling_time", "calculate", "Estimate how long money takes to double at a rate (rule of 72 and exact)",
    "years to double", "doubling time",
    [req("rate", PCT(1, 20, step=0.5), "Annual growth rate.", names=("annual_rate", "interest_rate"))],
    lambda rate: {"rule_of_72_years": 72 / rate, "exact_years": math.log(2) / math.log(1 + rate / 100)},
    ["How long does it take money to double at {rate}?", "Doubling time at {rate} a year?", "Rule of 72 for {rate}?"])

INV("dividend_yield", "calculate", "Calculate a stock's dividend yield", "the yield in percent", "dividend yield",
    [req("annual_dividend", NUM(0.1, 10, decimals=2, whole=0.2), "Dividends per share per year.", names=("dividend",)),
     req("share_price", NUM(5, 500, decimals=2), "Price per share.", names=("price",))],
    lambda annual_dividend, share_price: annual_dividend / share_price * 100,
    ["A stock pays {annual_dividend} a year in dividends and trades at {share_price}. What's the yield?",
     "Dividend yield for dividend {annual_dividend} and price {share_price}?"])

INV("price_to_earnings", "calculate", "Calculate the price-to-earnings ratio", "the P/E ratio", "P/E ratio",
    [req("share_price", NUM(5, 900, decimals=2), "Price per share.", names=("price",)),
     req("earnings_per_share", NUM(0.5, 40, decimals=2), "Earnings per share.", names=("eps",))],
    lambda share_price, earnings_per_share: share_price / earnings_per_share,
    ["What's the P/E ratio of a stock at {share_price} with EPS {earnings_per_share}?",
     "Price-to-earnings: price {share_price}, earnings per share {earnings_per_share}."])

INV("inflation_adjusted_value", "calculate", "Calculate what an amount will cost after years of inflation",
    "the future cost and today's purchasing power of the amount", "inflation-adjusted value",
    [req("amount", MONEY(10, 100000), "Amount in today's money.", names=("value",)),
     req("inflation_rate", PCT(0.5, 10, step=0.5), "Yearly inflation.", names=("rate",)),
     req("years", QTY(1, 40, "years", integer=True), "Number of years.", names=("periods",))],
    lambda amount, inflation_rate, years: {"future_cost": amount * (1 + inflation_rate / 100) ** years,
                                           "real_value": amount / (1 + inflation_rate / 100) ** years},
    ["With {inflation_rate} inflation, what will {amount} of goods cost in {years}?",
     "Inflation-adjust {amount} over {years} at {inflation_rate}."])

FIN("savings_goal", "calculate", "Calculate the monthly deposit needed to reach a savings goal", "the monthly deposit",
    "monthly savings needed",
    [req("goal_amount", MONEY(1000, 1000000), "Target amount.", names=("goal", "target")),
     req("years", QTY(1, 40, "years", integer=True), "Years to save.", names=("time",)),
     opt("annual_rate", PCT(0.5, 10, step=0.5), "Expected annual return.", default=0,
         say=("earning {v} a year", "at {v} annual return"), names=("rate",))],
    lambda goal_amount, years, annual_rate=0: goal_amount / (years * 12) if annual_rate == 0 else
    goal_amount * (annual_rate / 1200) / ((1 + annual_rate / 1200) ** (years * 12) - 1),
    ["How much do I need to save each month to reach {goal_amount} in {years}?",
     "Monthly savings for a goal of {goal_amount} in {years}?"],
    weak=Weak(note="Ignores interest."))


def _payoff(balance, apr, monthly_payment):
    r = apr / 1200
    if monthly_payment <= balance * r:
        bad("monthly_payment", "does not cover the monthly interest", "a payment larger than balance * APR / 12")
    months, paid, bal = 0, 0.0, balance
    while bal > 1e-9 and months < 1200:
        interest = bal * r
        pay = min(monthly_payment, bal + interest)
        bal, paid, months = bal + interest - pay, paid + pay, months + 1
    return {"months": months, "total_paid": round(paid, 2), "total_interest": round(paid - balance, 2)}


FIN("credit_card_payoff", "calculate", "Calculate how long it takes to pay off a credit card with fixed payments",
    "the number of months and the interest paid", "credit card payoff time",
    [req("balance", MONEY(200, 30000), "Current balance.", names=("debt",)),
     req("apr", PCT(5, 30, step=0.5), "Annual percentage rate.", names=("interest_rate", "annual_rate")),
     req("monthly_payment", MONEY(25, 3000, cents=False), "Fixed monthly payment.", names=("payment",))],
    _payoff,
    ["How long will it take to pay off {balance} on a card at {apr} APR paying {monthly_payment} a month?",
     "Credit card payoff: balance {balance}, APR {apr}, payment {monthly_payment} per month."],
    where=lambda a: a["monthly_payment"] > a["balance"] * a["apr"] / 1200 * 1.2 and a["monthly_payment"] < a["balance"])

FIN("hourly_to_annual_salary", "convert", "Convert an hourly wage into yearly, monthly and weekly pay",
    "annual, monthly and weekly pay", "annual salary",
    [req("hourly_wage", MONEY(8, 150), "Pay per hour.", names=("wage", "hourly_rate")),
     opt("hours_per_week", INT(10, 60), "Hours worked per week.", default=40,
         say=("working {v} hours a week", "at {v} hours per week")),
     opt("weeks_per_year", INT(40, 52), "Weeks worked per year.", default=52, say=("for {v} weeks a year",))],
    lambda hourly_wage, hours_per_week=40, weeks_per_year=52: {
        "annual": hourly_wage * hours_per_week * weeks_per_year,
        "monthly": hourly_wage * hours_per_week * weeks_per_year / 12,
        "weekly": hourly_wage * hours_per_week},
    ["What is {hourly_wage} an hour as a yearly salary?", "Convert an hourly wage of {hourly_wage} to annual pay.",
     "I earn {hourly_wage} per hour. How much is that a year?"])

FIN("straight_line_depreciation", "calculate", "Calculate straight-line depreciation of an asset",
    "the yearly depreciation and book values", "straight-line depreciation",
    [req("cost", MONEY(1000, 200000), "Purchase cost.", names=("asset_cost",)),
     req("salvage_value", MONEY(0, 20000), "Value at the end of its life.", names=("residual_value",)),
     req("useful_life_years", INT(2, 20), "Useful life in years.", names=("life", "years"))],
    lambda cost, salvage_value, useful_life_years: (lambda d: {"annual_depreciation": d, "book_values": [
        cost - d * y for y in range(useful_life_years + 1)]})((cost - salvage_value) / useful_life_years),
    ["A machine costs {cost}, lasts {useful_life_years} years and is worth {salvage_value} at the end. What's the "
     "yearly depreciation?",
     "Straight-line depreciation: cost {cost}, salvage {salvage_value}, life {useful_life_years} years."],
    where=lambda a: a["salvage_value"] < a["cost"])

FIN("declining_balance_depreciation", "calculate", "Calculate declining-balance depreciation year by year",
    "the book value at the end of each year", "declining-balance depreciation",
    [req("cost", MONEY(1000, 200000), "Purchase cost.", names=("asset_cost",)),
     req("rate", PCT(5, 40, step=5), "Depreciation rate per year.", names=("depreciation_rate",)),
     req("years", INT(1, 15), "Number of years.", names=("periods",))],
    lambda cost, rate, years: {"book_values": [cost * (1 - rate / 100) ** y for y in range(1, years + 1)]},
    ["How does a {cost} car depreciate at {rate} a year over {years} years?",
     "Declining balance: cost {cost}, rate {rate}, {years} years."])


def _convert(amount, from_currency, to_currency):
    rate = tables.exchange_rate(from_currency, to_currency)
    return {"rate": round(rate, 6), "converted_amount": round(amount * rate, 2), "currency": to_currency}


_CUR = ENUM(tuple(tables.USD_RATES), tables.CURRENCY_NAMES)
FIN("convert_currency", "", "Convert an amount between currencies at the fixed reference rates",
    "the rate and the converted amount", "currency conversion",
    [req("amount", NUM(1, 100000, decimals=2), "Amount to convert.", names=("value",)),
     req("from_currency", _CUR, "ISO code of the source currency.", names=("source_currency", "base")),
     req("to_currency", _CUR, "ISO code of the target currency.", names=("target_currency", "target"))],
    _convert,
    ["Convert {amount} {from_currency} to {to_currency}.", "How much is {amount} {from_currency} in {to_currency}?",
     "I have {amount} {from_currency}. How many {to_currency} is that?"],
    module="fx", where=lambda a: a["from_currency"] != a["to_currency"],
    weak=Weak(enums={"from_currency": ("USD", "EUR", "GBP"), "to_currency": ("USD", "EUR", "GBP")},
              note="Only USD, EUR and GBP."))

FIN("income_tax", "calculate", "Calculate income tax with progressive brackets",
    "the tax, effective and marginal rates",
    "income tax",
    [req("income", MONEY(5000, 900000, cents=False), "Annual taxable income.", names=("annual_income", "salary")),
     req("filing_status",
         ENUM(tuple(tables.TAX_BRACKETS),
              {"single": ("single",), "married_joint": ("married filing jointly", "married, filing jointly"),
                                                             "head_of_household": ("head of household",)}),
         "Filing status.", names=("status",)),
     opt("deductions", MONEY(1000, 30000, cents=False), "Deductions subtracted from income.", default=0,
         say=("with {v} in deductions", "after deducting {v}"))],
    lambda income, filing_status, deductions=0: tables.progressive_tax(max(income - deductions, 0), filing_status),
    ["How much income tax do I owe on {income} filing as {filing_status}?",
     "Tax on {income} for a {filing_status} filer?",
     "{lead} {verb} my income tax? Income {income}, status {filing_status}."],
    module="tax", weak=Weak(note="No deductions."))

# --------------------------------------------------------------------------------------------------
# pricing
# --------------------------------------------------------------------------------------------------

_PRICE = MONEY(1, 5000)
PRICE("sales_tax", "calculate", "Calculate sales tax and the total price", "the tax and the total", "sales tax",
      [req("amount", _PRICE, "Price before tax.", names=("price", "subtotal")),
       req("tax_rate", PCT(1, 25, step=0.25), "Sales tax rate.", names=("rate",))],
      lambda amount, tax_rate: {"tax": round(amount * tax_rate / 100, 2),
                                "total": round(amount * (1 + tax_rate / 100), 2)},
      ["What's the sales tax on {amount} at {tax_rate}?", "Total price of {amount} with {tax_rate} tax?",
       "I'm buying something for {amount} and tax is {tax_rate}. What do I pay?"], module="tax")


def _tip(bill_amount, tip_percent=15, split=1):
    tip = bill_amount * tip_percent / 100
    return {"tip": round(tip, 2), "total": round(bill_amount + tip, 2),
            "per_person": round((bill_amount + tip) / split, 2)}


PRICE("tip", "calculate", "Calculate the tip and the total for a restaurant bill",
      "the tip, total and share per person",
      "tip",
      [req("bill_amount", MONEY(5, 800), "The bill before tip.", names=("bill", "amount")),
       opt("tip_percent", PCT(5, 30, step=1), "Tip percentage.", default=15, say=("with a {v} tip", "tipping {v}"),
           names=("tip_rate", "percentage")),
       opt("split", INT(2, 12), "Number of people sharing the bill.", default=1,
           say=("split between {v} people", "shared by {v}"), names=("people", "num_people"))],
      _tip,
      ["How much should I tip on a {bill_amount} bill?", "Tip on {bill_amount}?",
       "{lead} {verb} the tip for a dinner bill of {bill_amount}?"],
      weak=Weak(drop=("split",), note="Does not split the bill."))

PRICE("discount_price", "calculate", "Calculate the price after a percentage discount",
      "the final price and the savings",
      "discounted price",
      [req("original_price", _PRICE, "Price before the discount.", names=("price",)),
       req("discount_percent", PCT(5, 80, step=5), "Discount percentage.", names=("discount", "percent_off"))],
      lambda original_price, discount_percent: {"final_price": round(original_price * (1 - discount_percent / 100), 2),
                                                "savings": round(original_price * discount_percent / 100, 2)},
      ["A jacket costs {original_price} and is {discount_percent} off. What's the sale price?",
       "Price after {discount_percent} discount on {original_price}?",
       "What do I pay for {original_price} with {discount_percent} off?"])

PRICE("markup_price", "calculate", "Calculate a selling price from cost and markup", "the selling price and profit",
      "price with markup",
      [req("cost", _PRICE, "Unit cost.", names=("unit_cost",)),
       req("markup_percent", PCT(5, 200, step=5), "Markup on cost.", names=("markup",))],
      lambda cost, markup_percent: {"price": cost * (1 + markup_percent / 100), "profit": cost * markup_percent / 100},
      ["If an item costs {cost} and I mark it up {markup_percent}, what should I sell it for?",
       "Selling price for cost {cost} with a {markup_percent} markup?"])

PRICE("profit_margin", "calculate", "Calculate gross profit and margin", "the profit and the margin in percent",
      "profit margin",
      [req("revenue", MONEY(100, 1000000), "Revenue.", names=("sales", "price")),
       req("cost", MONEY(50, 900000), "Cost.", names=("costs",))],
      lambda revenue, cost: {"profit": revenue - cost, "margin_percent": (revenue - cost) / revenue * 100},
      ["Revenue was {revenue} and costs were {cost}. What's the profit margin?",
       "Profit margin for revenue {revenue}, cost {cost}?"])

PRICE("break_even_point", "calculate", "Calculate the break-even quantity",
      "the units and revenue needed to break even",
      "break-even point",
      [req("fixed_costs", MONEY(1000, 500000), "Fixed costs.", names=("fixed",)),
       req("price_per_unit", MONEY(5, 500), "Selling price per unit.", names=("price",)),
       req("variable_cost_per_unit", MONEY(1, 400), "Variable cost per unit.", names=("variable_cost",))],
      lambda fixed_costs, price_per_unit, variable_cost_per_unit: (lambda u: {"units": u,
                                                                              "revenue": u * price_per_unit})(
          fixed_costs / (price_per_unit - variable_cost_per_unit)) if price_per_unit > variable_cost_per_unit else bad(
          "price_per_unit", "is not above the variable cost", "a price above the variable cost per unit"),
      ["With fixed costs of {fixed_costs}, a price of {price_per_unit} and a variable cost of "
       "{variable_cost_per_unit} per unit, how many units to break even?",
       "Break-even point: fixed {fixed_costs}, price {price_per_unit}, variable cost {variable_cost_per_unit}."],
      where=lambda a: a["price_per_unit"] > a["variable_cost_per_unit"] * 1.05)

PRICE("unit_price", "calculate", "Calculate the price per unit to compare offers", "the price per unit", "unit price",
      [req("total_price", MONEY(1, 500), "Price of the package.", names=("price",)),
       req("quantity", NUM(1, 5000, decimals=1), "Units in the package (grams, items, ml …).",
           names=("units", "amount"))],
      lambda total_price, quantity: total_price / quantity,
      ["A pack of {quantity} costs {total_price}. What's the price per unit?",
       "Unit price for {total_price} and quantity {quantity}?"])

PRICE("vat_breakdown", "calculate", "Split a gross (VAT-inclusive) amount into net amount and VAT",
      "the net amount and the VAT",
      "VAT breakdown",
      [req("gross_amount", _PRICE, "Price including VAT.", names=("gross", "amount")),
       req("vat_rate", PCT(5, 27, step=1), "VAT rate.", names=("rate",))],
      lambda gross_amount, vat_rate: (lambda net: {"net": round(net, 2), "vat": round(gross_amount - net, 2)})(
          gross_amount / (1 + vat_rate / 100)),
      ["How much VAT is included in {gross_amount} at {vat_rate}?",
       "Net price of {gross_amount} including {vat_rate} VAT?"],
      module="tax")

PRICE("fuel_cost", "calculate", "Calculate the fuel cost of a trip", "litres used and the cost", "trip fuel cost",
      [req("distance_km", QTY(5, 2000, "km"), "Trip distance in kilometers.", names=("distance",)),
       req("fuel_efficiency", QTY(3, 15, "L/100km", decimals=1, whole=0.3), "Consumption in litres per 100 km.",
           names=("consumption",)),
       req("fuel_price", NUM(0.8, 2.5, decimals=2, whole=0), "Price per litre.", names=("price_per_liter",))],
      lambda distance_km, fuel_efficiency, fuel_price: (lambda litres: {"litres": litres, "cost": litres * fuel_price})(
          distance_km * fuel_efficiency / 100),
      ["How much will fuel cost for a {distance_km} trip at {fuel_efficiency} with fuel at {fuel_price} per litre?",
       "Trip fuel cost: {distance_km}, consumption {fuel_efficiency}, price {fuel_price}/L."], module="travel")

PRICE("electricity_cost", "calculate", "Calculate the electricity cost of running a device", "kWh used and the cost",
      "electricity cost",
      [req("power_watts", QTY(5, 3000, "W"), "Device power in watts.", names=("watts", "power")),
       req("hours_per_day", NUM(0.5, 24, decimals=1), "Hours of use per day.", names=("hours",)),
       req("days", INT(1, 365), "Number of days.", names=("num_days",)),
       req("price_per_kwh", NUM(0.05, 0.6, decimals=2, whole=0), "Price per kWh.", names=("rate",))],
      lambda power_watts, hours_per_day, days, price_per_kwh: (lambda kwh: {"kwh": kwh, "cost": kwh * price_per_kwh})(
          power_watts * hours_per_day * days / 1000),
      ["How much does it cost to run a {power_watts} heater {hours_per_day} hours a day for {days} days at "
       "{price_per_kwh} per kWh?",
       "Electricity cost: {power_watts}, {hours_per_day} h/day, {days} days, {price_per_kwh}/kWh."], module="energy")

SPECS = FIN.specs + INV.specs + PRICE.specs
