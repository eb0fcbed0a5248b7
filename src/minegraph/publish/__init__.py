"""What is published from the store, read through its public view: descriptions, documents and their cache,
releases, dumps and exports (VoID/DCAT, HXL, Data Cube)."""
