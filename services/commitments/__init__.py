"""services/commitments: yearly commitments, reviews, reports, ratings and cell sessions."""
