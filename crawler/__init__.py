"""The SellerWatch Scrapy project: spiders decide what to fetch, ``extract`` turns pages into items."""
