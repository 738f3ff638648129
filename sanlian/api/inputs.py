"""Input validation shared by the API actions: a serializer's data or a 400 in DRF's form."""


def validated(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
