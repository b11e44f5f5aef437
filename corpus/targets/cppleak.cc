/*
 * cppleak: a C++ service that leaks subscription events (objects with a
 * vtable), next to plain structs of the same size.
 *
 *   cppleak [COUNT]     (default 50000)
 *
 * Allocates COUNT sip::SipSubscribeEvent (a class with virtual functions,
 * in a namespace), COUNT/2 Timer (virtual, global namespace) and COUNT
 * Plain (no vtable, same size as SipSubscribeEvent) with new, and keeps
 * them. Built without RTTI stripped (the default). Reports:
 *   ready pid=N events=COUNT event_size=S timers=COUNT/2 timer_size=S
 *         plains=COUNT
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" {
#include "target.h"
}

namespace sip {
class SipSubscribeEvent {
public:
	SipSubscribeEvent(int id) : id_(id)
	{
		std::strcpy(peer_, "$UNKNOWN");
	}
	virtual ~SipSubscribeEvent() {}
	virtual int id() const { return id_; }

private:
	int id_;
	char peer_[36];
};
} // namespace sip

class Timer {
public:
	virtual ~Timer() {}
	virtual void fire() {}
	long when = 0;
};

struct Plain {
	char bytes[sizeof(sip::SipSubscribeEvent)];
};

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? std::strtoul(argv[1], nullptr, 0) : 50000;
	std::vector<void *> keep;

	keep.reserve(3 * n);
	for (unsigned long i = 0; i < n; i++) {
		keep.push_back(new sip::SipSubscribeEvent((int)i));
		if (i % 2 == 0)
			keep.push_back(new Timer());
		Plain *p = new Plain();
		std::memset(p->bytes, 'P', sizeof(p->bytes));
		keep.push_back(p);
	}
	target_ready("events=%lu event_size=%zu timers=%lu timer_size=%zu "
		     "plains=%lu",
		     n, sizeof(sip::SipSubscribeEvent), (n + 1) / 2,
		     sizeof(Timer), n);
	target_wait();
	return 0;
}
