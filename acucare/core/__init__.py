"""What every Django app shares, below all of them: the acting user (`actor`), the role
checks (`roles`), showing an input error on a form (`forms`), the
clinic's date field (`fields`) and the API's error documents
(`api_errors`). It imports no app."""
