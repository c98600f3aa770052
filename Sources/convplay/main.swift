import ConvEngine
print("convplay")
