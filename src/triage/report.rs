//! Recall and false alarms of the triage on a labelled set.
