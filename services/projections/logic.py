"""Pure decisions of the projections: which figures an event moves."""

from schemas import CommitmentFiled


def commitment_figures(event: CommitmentFiled) -> list[str]:
    """Figures a filed commitment adds one to ("trên trước, dưới sau": leaders and heads apart)."""
    figures = ["commitments_filed"]
    if event.is_leader:
        figures.append("commitments_filed_leaders")
    if event.is_head:
        figures.append("commitments_filed_heads")
    return figures
