"""Currency and finance tools: conversion, exchange rates, stock quotes, loans and interest."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.catalog._base import amount
from fncall_data.tools import tool

__all__ = ["TOOLS"]

# Rough units per US dollar; the fake market moves each pair a little, deterministically.
_PER_USD = {
    "USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 151.0, "CHF": 0.88, "CAD": 1.36, "AUD": 1.52,
    "SEK": 10.6, "NOK": 10.8, "INR": 83.2, "CNY": 7.2, "MXN": 17.1, "BRL": 5.0, "ZAR": 18.7,
    "SGD": 1.34, "KRW": 1340.0, "PLN": 4.0, "TRY": 32.0, "NZD": 1.65, "DKK": 6.9,
}  # fmt: skip
_CODE = r"^[A-Z]{3}$"


def _rate(base: str, quote: str) -> float:
    if base not in _PER_USD or quote not in _PER_USD:
        unknown = base if base not in _PER_USD else quote
        raise ValueError(f"unsupported currency {unknown!r}")
    wobble = 1 + amount(-0.02, 0.02, base, quote, digits=4)
    return round(_PER_USD[quote] / _PER_USD[base] * wobble, 4)


@tool
class ConvertCurrency(BaseModel):
    """Convert an amount of money from one currency to another."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "How much is {amount} {from_currency} in {to_currency}?",
        "Convert {amount} {from_currency} to {to_currency}, please.",
        "I have {amount} {from_currency}. What's that in {to_currency}?",
        "What would {amount} {from_currency} be worth in {to_currency} today?",
        "Can you convert {amount}[ {from_currency}] into {to_currency}?",
        "{amount} {from_currency} to {to_currency}",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "{amount} {from_currency} is about {converted} {to_currency} (rate {rate}).",
        "At a rate of {rate}, {amount} {from_currency} comes to {converted} {to_currency}.",
    )
    __ask__: ClassVar[dict[str, str]] = {"from_currency": "Which currency is that amount in?"}

    amount: float = Field(gt=0, description="Amount to convert.")
    from_currency: str = Field(pattern=_CODE, description="ISO 4217 code of the source currency.")
    to_currency: str = Field(pattern=_CODE, description="ISO 4217 code of the target currency.")

    def run(self) -> dict[str, Any]:
        rate = _rate(self.from_currency, self.to_currency)
        return {"rate": rate, "converted": round(self.amount * rate, 2)}


@tool
class GetExchangeRate(BaseModel):
    """Latest exchange rate between two currencies."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What's the exchange rate from {base} to {quote}?",
        "How many {quote} do I get for one {base}?",
        "Current {base}/{quote} rate?",
        "Tell me today's {base} to {quote} exchange rate.",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "One {base} is worth {rate} {quote} right now.",
        "The current {base}/{quote} rate is {rate}.",
    )
    __ask__: ClassVar[dict[str, str]] = {"quote": "Which currency do you want the rate against?"}

    base: str = Field(pattern=_CODE, description="ISO 4217 code of the base currency.")
    quote: str = Field(pattern=_CODE, description="ISO 4217 code of the quote currency.")

    def run(self) -> dict[str, Any]:
        return {"base": self.base, "quote": self.quote, "rate": _rate(self.base, self.quote)}


@tool
class GetStockQuote(BaseModel):
    """Latest price and daily change of a stock by ticker symbol."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What's {symbol} trading at?",
        "How is {symbol} stock doing today?",
        "Get me the latest quote for {symbol}.",
        "Price check on {symbol}, please.",
        "Did {symbol} go up or down today?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "{symbol} is at {price} USD, {change_pct}% on the day.",
        "{symbol} last traded at {price} USD ({change_pct}% today).",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "symbol": [
            "AAPL",
            "MSFT",
            "NVDA",
            "AMZN",
            "GOOGL",
            "TSLA",
            "META",
            "NFLX",
            "ASML",
            "SAP",
            "IBM",
            "KO",
        ]
    }

    symbol: str = Field(pattern=r"^[A-Z]{1,5}$", description="Ticker symbol, e.g. AAPL.")

    def run(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "price": amount(20, 900, self.symbol),
            "change_pct": amount(-4.5, 4.5, self.symbol, "chg"),
        }


@tool
class CalculateLoanPayment(BaseModel):
    """Monthly payment of a fixed-rate loan."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What would my monthly payment be on a {principal} loan at {annual_rate}% over {years} years?",
        "I'm borrowing {principal} for {years} years at {annual_rate}% interest. Monthly payment?",
        "Calculate the monthly installment for {principal} at {annual_rate}% for {years} years.",
        "Loan of {principal}, {annual_rate}% a year[, {years} years]: how much per month?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "The monthly payment would be {monthly_payment}, or {total_paid} in total over {years} years.",
        "You'd pay {monthly_payment} a month; total repaid: {total_paid}.",
    )
    __ask__: ClassVar[dict[str, str]] = {"years": "Over how many years would you repay the loan?"}
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "principal": [5000, 12000, 25000, 150000, 240000, 320000, 18500, 450000],
        "annual_rate": [3.5, 4.2, 5.0, 6.75, 7.9, 2.9, 4.85],
        "years": [3, 5, 10, 15, 20, 25, 30],
    }

    principal: float = Field(gt=0, description="Amount borrowed.")
    annual_rate: float = Field(ge=0, le=30, description="Yearly interest rate in percent.")
    years: int = Field(ge=1, le=40, description="Length of the loan in years.")

    def run(self) -> dict[str, Any]:
        months = self.years * 12
        r = self.annual_rate / 1200
        pay = self.principal / months if r == 0 else self.principal * r / (1 - (1 + r) ** -months)
        return {"monthly_payment": round(pay, 2), "total_paid": round(pay * months, 2)}


@tool
class CalculateCompoundInterest(BaseModel):
    """Future value of savings with compound interest."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "If I invest {principal} at {rate}% for {years} years, how much will I have?",
        "Compound interest on {principal} at {rate}% over {years} years[, compounded {compounds_per_year}]?",
        "How much does {principal} grow to in {years} years at {rate}% a year?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "After {years} years, {principal} grows to {final_amount}, earning {interest} in interest.",
        "You'd end up with {final_amount} ({interest} of it interest).",
    )
    __say__: ClassVar[dict[str, Any]] = {"compounds_per_year": {1: "yearly", 4: "quarterly", 12: "monthly"}}
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "principal": [1000, 2500, 5000, 10000, 20000, 750, 40000],
        "rate": [1.5, 2.0, 3.25, 4.0, 5.5, 7.0],
        "years": [2, 5, 8, 10, 15, 20],
    }

    principal: float = Field(gt=0, description="Starting amount.")
    rate: float = Field(ge=0, le=25, description="Yearly interest rate in percent.")
    years: int = Field(ge=1, le=50, description="Number of years.")
    compounds_per_year: Literal[1, 4, 12] = Field(12, description="How often interest is added per year.")

    def run(self) -> dict[str, Any]:
        n = self.compounds_per_year
        final = self.principal * (1 + self.rate / 100 / n) ** (n * self.years)
        return {"final_amount": round(final, 2), "interest": round(final - self.principal, 2)}


TOOLS: list[type[BaseModel]] = [
    ConvertCurrency,
    GetExchangeRate,
    GetStockQuote,
    CalculateLoanPayment,
    CalculateCompoundInterest,
]
