"""One cog per feature; views and forms sit beside the cog that uses them."""
