"""Shopping tools: product search, orders, shipping addresses, tracking and returns."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.catalog._base import amount, pick, rng_for
from fncall_data.tools import tool

__all__ = ["TOOLS"]

_ORDER = r"^ORD-[0-9]{6}$"


class OrderItem(BaseModel):
    """One line of an order."""

    product: str = Field(min_length=1, description="Product name.")
    quantity: int = Field(1, ge=1, le=10, description="How many.")


class Address(BaseModel):
    """A postal address."""

    street: str = Field(description="Street and number.")
    city: str = Field(description="City.")
    postal_code: str = Field(description="Postal code.")


@tool
class SearchProducts(BaseModel):
    """Search the shop's catalog for products."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Find me {query}[ under {max_price} dollars][, {sort}].",
        "I'm looking for {query}[, sorted {sort}].",
        "Do you sell {query}[ for less than {max_price}]?",
        "Show me {query}[ below {max_price} USD].",
        "search: {query}[, max {max_price}]",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "I found {count} results for {query}. Top pick: {top_product} at {top_price} USD, rated {rating}/5.",
        "{top_product} looks best: {top_price} USD with a {rating}/5 rating ({count} matches in all).",
    )
    __say__: ClassVar[dict[str, Any]] = {
        "sort": {"relevance": "most relevant first", "price_asc": "cheapest first",
                 "price_desc": "most expensive first", "rating": "best rated first"}
    }  # fmt: skip
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "query": ["running shoes", "a noise-cancelling headset", "a standing desk", "an espresso machine",
                  "a 27-inch monitor", "a waterproof jacket", "a mechanical keyboard", "a yoga mat",
                  "a kids' bike", "a cast iron skillet", "wireless earbuds", "a hiking backpack"],
        "max_price": [30, 50, 80, 100, 150, 200, 300, 500],
    }  # fmt: skip
    __ask__: ClassVar[dict[str, str]] = {"query": "What kind of product are you looking for?"}

    query: str = Field(min_length=1, description="What to search for.")
    max_price: float | None = Field(None, gt=0, description="Highest price in USD.")
    sort: Literal["relevance", "price_asc", "price_desc", "rating"] = Field("relevance", description="Order.")

    def run(self) -> dict[str, Any]:
        cap = self.max_price or 600
        words = self.query.removeprefix("a ").removeprefix("an ")
        return {
            "count": rng_for(self.query).randint(3, 60),
            "top_product": f"{pick(('Nordic', 'Apex', 'Brightline', 'Kestrel', 'Vela'), self.query)} {words}",
            "top_price": round(min(cap * 0.95, amount(15, 600, self.query, self.sort)), 2),
            "rating": round(rng_for(self.query, self.sort).uniform(3.5, 4.9), 1),
        }


@tool
class PlaceOrder(BaseModel):
    """Order products and ship them to an address."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Order {items} and ship it to {address}[ with {shipping} shipping].",
        "Please buy {items} for me, delivery to {address}[, {shipping}].",
        "I'd like {items} sent to {address}[ by {shipping} delivery].",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Your order {order_id} is placed: {item_count} items, {total} USD, arriving in {days} days.",
        "Done. Order {order_id} ({item_count} items, {total} USD) should arrive in {days} days.",
    )
    __say__: ClassVar[dict[str, Any]] = {
        "items": "{quantity} {product}",
        "address": "{street}, {postal_code} {city}",
    }
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "product": ["USB-C chargers", "paperback notebooks", "HDMI cables", "coffee mugs", "AA batteries",
                    "desk lamps", "phone cases", "water bottles"],
    }  # fmt: skip
    __ask__: ClassVar[dict[str, str]] = {"address": "Where should I ship the order?"}

    items: list[OrderItem] = Field(min_length=1, max_length=3, description="What to order.")
    address: Address = Field(description="Shipping address.")
    shipping: Literal["standard", "express"] = Field("standard", description="Shipping speed.")

    def run(self) -> dict[str, Any]:
        count = sum(item.quantity for item in self.items)
        total = sum(amount(5, 40, item.product) * item.quantity for item in self.items)
        return {
            "order_id": f"ORD-{rng_for(self.items, self.address.city).randint(100000, 999999)}",
            "item_count": count,
            "total": round(total + (12 if self.shipping == "express" else 0), 2),
            "days": 2 if self.shipping == "express" else 5,
        }


@tool
class GetOrderStatus(BaseModel):
    """Status of an order by its order number."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Where is my order {order_id}?",
        "What's the status of order {order_id}?",
        "Has {order_id} shipped yet?",
        "Any update on my order[ {order_id}]?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Order {order_id} is {status}; estimated delivery {eta}.",
        "{order_id}: {status}, expected {eta}.",
    )
    __ask__: ClassVar[dict[str, str]] = {
        "order_id": "Could you give me the order number? It starts with ORD-."
    }

    order_id: str = Field(pattern=_ORDER, description="Order number, ORD-123456.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.order_id)
        return {
            "status": r.choice(("processing", "shipped", "out for delivery", "delivered")),
            "eta": f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
        }


@tool
class TrackPackage(BaseModel):
    """Where a parcel is, by carrier and tracking number."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Track my {carrier} package {tracking_number}.",
        "Where's parcel {tracking_number}[ with {carrier}]?",
        "Can you look up tracking number {tracking_number}[ on {carrier}]?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Parcel {tracking_number} was last scanned in {location} ({status}).",
        "Your package is {status}, last seen in {location}.",
    )
    __say__: ClassVar[dict[str, Any]] = {
        "carrier": {"ups": "UPS", "fedex": "FedEx", "dhl": "DHL", "usps": "USPS"}
    }
    __ask__: ClassVar[dict[str, str]] = {"tracking_number": "What's the tracking number?"}

    tracking_number: str = Field(pattern=r"^[A-Z0-9]{10,18}$", description="Tracking number.")
    carrier: Literal["ups", "fedex", "dhl", "usps"] = Field("ups", description="Shipping carrier.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.tracking_number, self.carrier)
        return {
            "status": r.choice(("in transit", "out for delivery", "delivered", "held at customs")),
            "location": r.choice(("Memphis", "Leipzig", "Louisville", "Liège", "Chicago", "Rotterdam")),
        }


@tool
class RequestReturn(BaseModel):
    """Start a return for an order."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "I want to return order {order_id}[, reason: {reason}].",
        "Start a return for {order_id}[ ({reason})].",
        "I need to send back {order_id}.[ Reason: {reason}.]",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Return {return_id} is open for {order_id}; you'll get a refund of {refund} USD.",
        "I've started return {return_id}. Refund: {refund} USD. Drop-off label sent by email.",
    )
    __say__: ClassVar[dict[str, Any]] = {
        "reason": {"damaged": "it arrived damaged", "wrong_item": "wrong item", "too_small": "too small",
                   "changed_mind": "changed my mind", "other": "other reason"}
    }  # fmt: skip
    __ask__: ClassVar[dict[str, str]] = {"order_id": "Which order would you like to return?"}
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "reason": ["damaged", "wrong_item", "too_small", "changed_mind"]
    }

    order_id: str = Field(pattern=_ORDER, description="Order number.")
    reason: Literal["damaged", "wrong_item", "too_small", "changed_mind", "other"] = Field(
        "other", description="Why it is returned."
    )

    def run(self) -> dict[str, Any]:
        return {
            "return_id": f"RET-{rng_for(self.order_id).randint(1000, 9999)}",
            "refund": amount(12, 240, self.order_id),
        }


TOOLS: list[type[BaseModel]] = [SearchProducts, PlaceOrder, GetOrderStatus, TrackPackage, RequestReturn]
