"""The shop's catalog: product types (static data) and a seeded generator of products.

:func:`generate_catalog` is a pure function of its seed: the same seed gives the same products,
ids, titles, options and prices in every process and on every machine (it draws from a private
:class:`random.Random`, never from global or hash-randomised state).

Each product has an ASIN-like id (``B0`` + 8 characters), a title, a department (``category``),
a product type (``t-shirt``, ``coffee``, ...), attributes (``machine wash``, ``gluten free``),
selectable options per option kind (``size``, ``color``, ``flavor``, ...), a price, a rating
and a short description. Within a product type, no option value belongs to two option kinds,
so ``click[large]`` on an item page always names one option.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "CATEGORIES",
    "PRODUCT_TYPES",
    "ProductType",
    "Product",
    "Catalog",
    "generate_catalog",
    "DEFAULT_CATALOG_SIZE",
]

#: Products in a catalog unless asked otherwise.
DEFAULT_CATALOG_SIZE = 1200


@dataclass(frozen=True)
class ProductType:
    """One kind of product and what products of that kind can be.

    Attributes:
        name: the type as instructions say it (``t-shirt``, ``running shoes``).
        category: the department (``clothing``, ``grocery``, ...).
        noun: the type as titles say it (``T-Shirt``).
        attributes: the attribute pool; a product has 3 to 5 of them. No two contradict.
        options: ``(kind, values)`` pairs; a product offers 2 to 5 values of each kind.
        price: ``(low, high)`` price range in dollars.
    """

    name: str
    category: str
    noun: str
    attributes: tuple[str, ...]
    options: tuple[tuple[str, tuple[str, ...]], ...]
    price: tuple[float, float]


_SIZES = ("x-small", "small", "medium", "large", "x-large", "xx-large")
_APPAREL_COLORS = ("black", "white", "navy", "grey", "red", "olive green", "heather blue", "burgundy", "khaki", "pink")
_SHOE_SIZES = ("6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12")
_SHOE_COLORS = ("black", "white", "grey", "navy", "brown", "tan", "red", "black white")
_GADGET_COLORS = ("black", "white", "silver", "blue", "red", "rose gold", "midnight green")
_HOME_COLORS = ("white", "ivory", "grey", "navy", "sage green", "blush pink", "charcoal", "beige")
_PACKS = ("pack of 1", "pack of 2", "pack of 3", "pack of 6")
_COUNTS = ("6 count", "12 count", "24 count")


def _t(name, category, noun, attributes, options, price):
    return ProductType(name, category, noun, tuple(attributes.split(", ")), tuple((k, tuple(v)) for k, v in options), price)


#: Every product type, by department.
PRODUCT_TYPES: tuple[ProductType, ...] = (
    # clothing
    _t("t-shirt", "clothing", "T-Shirt",
       "machine wash, short sleeve, cotton, relaxed fit, crew neck, moisture wicking, tagless, quick drying",
       [("size", _SIZES), ("color", _APPAREL_COLORS)], (8, 35)),
    _t("hoodie", "clothing", "Hoodie",
       "machine wash, long sleeve, fleece lined, drawstring hood, kangaroo pocket, soft, relaxed fit",
       [("size", _SIZES), ("color", _APPAREL_COLORS)], (20, 60)),
    _t("jeans", "clothing", "Jeans",
       "machine wash, slim fit, stretch denim, button closure, high waist, five pocket, belt loops",
       [("size", ("28w", "30w", "32w", "34w", "36w", "38w")),
        ("color", ("dark wash", "light wash", "black denim", "indigo", "stone wash"))], (25, 80)),
    _t("dress", "clothing", "Dress",
       "machine wash, short sleeve, v neck, pockets, midi length, floral print, elastic waist",
       [("size", _SIZES), ("color", _APPAREL_COLORS)], (20, 70)),
    _t("jacket", "clothing", "Jacket",
       "water resistant, zipper closure, lightweight, packable, hooded, windproof, insulated",
       [("size", _SIZES), ("color", _APPAREL_COLORS)], (30, 120)),
    _t("socks", "clothing", "Socks",
       "moisture wicking, cushioned, arch support, breathable, no show, machine wash",
       [("size", ("small", "medium", "large", "x-large")), ("pack", ("pack of 3", "pack of 6", "pack of 12"))], (6, 25)),
    # shoes
    _t("running shoes", "shoes", "Running Shoes",
       "lightweight, breathable mesh, rubber sole, cushioned, non slip, lace up, arch support",
       [("size", _SHOE_SIZES), ("color", _SHOE_COLORS), ("width", ("medium width", "wide width"))], (40, 140)),
    _t("sneakers", "shoes", "Sneakers",
       "rubber sole, lace up, memory foam, classic style, non slip, padded collar",
       [("size", _SHOE_SIZES), ("color", _SHOE_COLORS)], (30, 110)),
    _t("boots", "shoes", "Boots",
       "waterproof, rubber sole, leather, lace up, insulated, slip resistant, steel toe",
       [("size", _SHOE_SIZES), ("color", ("black", "brown", "tan", "dark brown", "wheat"))], (50, 180)),
    _t("sandals", "shoes", "Sandals",
       "open toe, adjustable strap, quick drying, arch support, rubber sole, lightweight",
       [("size", _SHOE_SIZES), ("color", _SHOE_COLORS)], (15, 60)),
    _t("slippers", "shoes", "Slippers",
       "memory foam, faux fur, non slip, machine wash, indoor outdoor, warm lining",
       [("size", ("small", "medium", "large", "x-large")), ("color", ("grey", "pink", "navy", "brown", "beige"))], (12, 40)),
    # electronics
    _t("headphones", "electronics", "Headphones",
       "noise cancelling, wireless, bluetooth, over ear, long battery life, built in microphone, foldable",
       [("color", _GADGET_COLORS)], (25, 250)),
    _t("bluetooth speaker", "electronics", "Bluetooth Speaker",
       "waterproof, portable, long battery life, bass boost, wireless, built in microphone",
       [("color", _GADGET_COLORS)], (20, 150)),
    _t("phone case", "electronics", "Phone Case",
       "shockproof, slim, wireless charging compatible, clear back, raised edges, drop protection",
       [("model", ("iphone 13", "iphone 14", "iphone 15", "galaxy s22", "galaxy s23", "pixel 7", "pixel 8")),
        ("color", _GADGET_COLORS)], (8, 35)),
    _t("usb cable", "electronics", "USB Cable",
       "fast charging, braided nylon, usb c, data transfer, durable, tangle free",
       [("length", ("3 ft", "6 ft", "10 ft")), ("pack", ("pack of 1", "pack of 2", "pack of 3"))], (6, 25)),
    _t("power bank", "electronics", "Power Bank",
       "fast charging, portable, usb c, high capacity, led display, compact",
       [("capacity", ("5000mah", "10000mah", "20000mah", "26800mah")), ("color", _GADGET_COLORS)], (15, 70)),
    _t("smart watch", "electronics", "Smart Watch",
       "heart rate monitor, water resistant, sleep tracking, gps, long battery life, touch screen",
       [("color", _GADGET_COLORS), ("band size", ("small band", "large band"))], (40, 300)),
    # home
    _t("bed sheets", "home", "Bed Sheets",
       "deep pocket, machine wash, wrinkle free, breathable, soft, cooling, hypoallergenic",
       [("size", ("twin", "full", "queen", "king", "california king")), ("color", _HOME_COLORS)], (20, 90)),
    _t("throw pillow", "home", "Throw Pillow",
       "square, soft, machine wash, decorative, velvet, removable cover",
       [("size", ("16x16 inch", "18x18 inch", "20x20 inch")), ("color", _HOME_COLORS)], (10, 40)),
    _t("curtains", "home", "Curtains",
       "blackout, thermal insulated, noise reducing, rod pocket, machine wash, energy saving",
       [("size", ("42x63 inch", "52x84 inch", "52x95 inch")), ("color", _HOME_COLORS)], (18, 70)),
    _t("bath towel", "home", "Bath Towel",
       "absorbent, quick drying, cotton, soft, machine wash, lint free",
       [("color", _HOME_COLORS), ("pack", _PACKS)], (10, 50)),
    _t("coffee mug", "home", "Coffee Mug",
       "dishwasher safe, microwave safe, ceramic, large handle, lead free, stackable",
       [("capacity", ("11 oz", "15 oz", "20 oz")), ("color", _HOME_COLORS)], (8, 30)),
    _t("desk lamp", "home", "Desk Lamp",
       "dimmable, led, usb charging port, eye caring, touch control, adjustable arm",
       [("color", ("black", "white", "silver", "gold"))], (18, 80)),
    # beauty
    _t("shampoo", "beauty", "Shampoo",
       "sulfate free, paraben free, cruelty free, natural ingredients, color safe, for dry hair",
       [("size", ("8 fl oz", "12 fl oz", "16 fl oz", "33.8 fl oz")),
        ("scent", ("lavender", "coconut", "tea tree", "unscented", "citrus"))], (6, 35)),
    _t("face moisturizer", "beauty", "Face Moisturizer",
       "fragrance free, non comedogenic, hyaluronic acid, sensitive skin, oil free, cruelty free, spf 30",
       [("size", ("1.7 fl oz", "2.5 fl oz", "3.4 fl oz"))], (10, 60)),
    _t("lipstick", "beauty", "Lipstick",
       "long lasting, matte finish, cruelty free, vegan, moisturizing, highly pigmented",
       [("color", ("ruby red", "nude", "berry", "coral", "mauve", "classic red", "plum"))], (6, 30)),
    _t("nail polish", "beauty", "Nail Polish",
       "quick dry, long lasting, chip resistant, vegan, non toxic, glossy finish",
       [("color", ("ruby red", "nude", "berry", "coral", "mauve", "midnight blue", "glitter silver")),
        ("pack", ("pack of 1", "pack of 3", "pack of 6"))], (5, 25)),
    _t("sunscreen", "beauty", "Sunscreen",
       "water resistant, broad spectrum, reef safe, oil free, fragrance free, spf 50",
       [("size", ("3 fl oz", "5 fl oz", "8 fl oz")), ("pack", ("pack of 1", "pack of 2", "pack of 3"))], (8, 35)),
    _t("hair dryer", "beauty", "Hair Dryer",
       "ionic, lightweight, fast drying, low noise, diffuser included, foldable handle",
       [("color", ("black", "white", "rose gold", "purple", "teal"))], (20, 120)),
    # grocery
    _t("coffee", "grocery", "Coffee",
       "organic, fair trade, low acid, non gmo, kosher, dark roast",
       [("flavor", ("french vanilla", "hazelnut", "caramel", "original", "mocha")),
        ("size", ("12 ounce", "32 ounce", "2 pound"))], (8, 40)),
    _t("green tea", "grocery", "Green Tea",
       "organic, non gmo, kosher, sugar free, individually wrapped, gluten free",
       [("flavor", ("jasmine", "mint", "lemon", "honey ginseng", "original")),
        ("pack", ("20 count", "50 count", "100 count"))], (5, 25)),
    _t("protein bar", "grocery", "Protein Bar",
       "gluten free, high protein, low sugar, keto friendly, non gmo, individually wrapped",
       [("flavor", ("chocolate peanut butter", "cookie dough", "birthday cake", "salted caramel", "chocolate chip")),
        ("pack", _COUNTS)], (12, 45)),
    _t("olive oil", "grocery", "Olive Oil",
       "extra virgin, cold pressed, non gmo, organic, kosher, single origin",
       [("size", ("16.9 fl oz", "25.3 fl oz", "1 liter")), ("pack", ("pack of 1", "pack of 2"))], (10, 45)),
    _t("crackers", "grocery", "Crackers",
       "gluten free, whole grain, non gmo, low sodium, vegan, individually wrapped",
       [("flavor", ("sea salt", "cheddar", "rosemary", "cracked pepper", "everything")),
        ("size", ("4 ounce", "8 ounce", "16 ounce"))], (4, 20)),
    _t("dark chocolate", "grocery", "Dark Chocolate",
       "sugar free, keto friendly, fair trade, organic, vegan, non gmo, gluten free",
       [("flavor", ("sea salt", "almond", "mint", "orange", "raspberry")),
        ("pack", ("pack of 3", "pack of 6", "pack of 12"))], (6, 35)),
)

#: The departments, in display order.
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(t.category for t in PRODUCT_TYPES))

_TYPES_BY_NAME = {t.name: t for t in PRODUCT_TYPES}

_BRANDS = (
    "Lumora", "Brightwell", "Northpeak", "Calloway", "Vantera", "Oakhurst", "Sundale", "Kestrel", "Mirabel",
    "Tidewater", "Greyfield", "Ashcombe", "Pinecrest", "Solenne", "Halvorsen", "Corvina", "Everline",
    "Wrenfield", "Bluecroft", "Marisol", "Thornbury", "Quillon", "Redmere", "Havenly", "Stonebrook",
    "Velora", "Amberlyn", "Fairhaven", "Rowanby", "Castella", "Driftwood", "Elmsworth", "Juniper Lane",
    "Kingsley", "Larkspur", "Meadowvale", "Nordhaven", "Orchard Row", "Prescott", "Silverbirch",
)
_SERIES = (
    "Aria", "Bolt", "Cascade", "Delta", "Echo", "Flux", "Glide", "Horizon", "Ion", "Jade", "Kite", "Luxe",
    "Mosaic", "Nova", "Orbit", "Prism", "Quest", "Ridge", "Summit", "Terra", "Ultra", "Vista", "Wave",
    "Zephyr", "Atlas", "Breeze", "Crest", "Dune", "Ember", "Fable", "Grove", "Harbor", "Isle", "Jubilee",
    "Kodiak", "Lumen", "Meridian", "Nimbus", "Onyx", "Pulse",
)
_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class Product:
    """One product for sale.

    Attributes:
        asin: the product id, ``B0`` + 8 characters.
        title: the title shown in results and on the item page.
        category: the department.
        product_type: the :attr:`ProductType.name`.
        attributes: what the product is (``machine wash``, ``gluten free``).
        options: ``(kind, values)`` pairs: the values a buyer may select per option kind.
        price: the price in dollars.
        rating: stars, 1.0 to 5.0.
        description: a short paragraph.
    """

    asin: str
    title: str
    category: str
    product_type: str
    attributes: tuple[str, ...]
    options: tuple[tuple[str, tuple[str, ...]], ...]
    price: float
    rating: float
    description: str

    def option_kind_of(self, value: str) -> str | None:
        """The option kind that offers ``value`` on this product, or None."""
        for kind, values in self.options:
            if value in values:
                return kind
        return None

    def search_text(self) -> str:
        """The text the search index sees: title, department, type, attributes and option values."""
        values = " ".join(v for _, vs in self.options for v in vs)
        return f"{self.title} {self.category} {self.product_type} {' '.join(self.attributes)} {values}"


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every product of one shop, generated from ``seed``. Compared and hashed by identity
    (catalogs are cached per seed), so it is a cheap cache key."""

    seed: int
    products: tuple[Product, ...]
    by_asin: dict[str, Product] = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.products)

    def get(self, asin: str) -> Product | None:
        """The product with this id, or None."""
        return self.by_asin.get(asin)


def product_type(name: str) -> ProductType:
    """The :class:`ProductType` called ``name``."""
    return _TYPES_BY_NAME[name]


@lru_cache(maxsize=8)
def generate_catalog(seed: int = 0, size: int = DEFAULT_CATALOG_SIZE) -> Catalog:
    """The catalog of ``size`` products for ``seed`` (a pure function of its arguments; cached).

    Products are spread evenly over the product types; every (brand, series) pair is used at most
    once, so a product's title identifies it.
    """
    if size < len(PRODUCT_TYPES):
        raise ValueError(f"a catalog needs at least {len(PRODUCT_TYPES)} products (one per type), got {size}")
    if size > len(_BRANDS) * len(_SERIES):
        raise ValueError(f"a catalog holds at most {len(_BRANDS) * len(_SERIES)} products, got {size}")
    rng = random.Random(f"agentgym/shop-v0|catalog|{seed}")
    types = [PRODUCT_TYPES[i % len(PRODUCT_TYPES)] for i in range(size)]
    rng.shuffle(types)
    names = rng.sample(range(len(_BRANDS) * len(_SERIES)), size)
    seen_ids: set[str] = set()
    products = []
    for kind, name in zip(types, names):
        asin = _new_asin(rng, seen_ids)
        brand, series = _BRANDS[name // len(_SERIES)], _SERIES[name % len(_SERIES)]
        products.append(_make_product(rng, kind, asin, brand, series))
    products_t = tuple(products)
    return Catalog(seed=seed, products=products_t, by_asin={p.asin: p for p in products_t})


def _new_asin(rng: random.Random, seen: set[str]) -> str:
    while True:
        asin = "B0" + "".join(rng.choice(_ID_ALPHABET) for _ in range(8))
        if asin not in seen:
            seen.add(asin)
            return asin


def _make_product(rng: random.Random, kind: ProductType, asin: str, brand: str, series: str) -> Product:
    attributes = tuple(rng.sample(kind.attributes, rng.randint(3, min(5, len(kind.attributes)))))
    options = []
    for option_kind, values in kind.options:
        n = rng.randint(min(2, len(values)), min(5, len(values)))
        chosen = set(rng.sample(values, n))
        options.append((option_kind, tuple(v for v in values if v in chosen)))  # canonical order
    low, high = kind.price
    price = round(int(rng.uniform(low, high)) + rng.choice((0.99, 0.49, 0.95)), 2)
    rating = round(rng.uniform(3.0, 5.0), 1)
    in_title = " ".join(a.title() for a in attributes[:2])
    title = f"{brand} {series} {in_title} {kind.noun}"
    description = (
        f"The {brand} {series} {kind.name} is {', '.join(attributes[:-1])} and {attributes[-1]}. "
        + " ".join(f"Available in {len(vs)} {k} option{'s' if len(vs) > 1 else ''}." for k, vs in options)
    )
    return Product(
        asin=asin,
        title=title,
        category=kind.category,
        product_type=kind.name,
        attributes=attributes,
        options=tuple(options),
        price=price,
        rating=rating,
        description=description,
    )
