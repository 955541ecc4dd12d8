"""Text representations compared by the watch: TF-IDF, frozen MiniLM, Model2Vec and SetFit."""
