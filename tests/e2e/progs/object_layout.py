# id() is an address and a set of plain objects iterates in address order: replay gives the
# same values only if the process is laid out exactly as it was recorded (ASLR off, no heap use).
class O:
    def __init__(self, label):
        self.label = label

objects = [object(), [], {}, "a string " * 3, O("x"), print, O]
print("ids", [hex(id(o)) for o in objects])
s = {O(i) for i in range(20)}
print("set order", [o.label for o in s])
print("id of a fresh list", hex(id([1, 2, 3])))
print("done")
